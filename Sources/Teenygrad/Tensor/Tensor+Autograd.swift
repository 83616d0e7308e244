extension Tensor {
  /// Every tensor that `self` depends on through recorded functions, inputs before outputs.
  private func topologicalOrder() -> [Tensor] {
    var visited: Set<ObjectIdentifier> = []
    var order: [Tensor] = []
    var stack: [(Tensor, Bool)] = [(self, false)]
    while let (node, expanded) = stack.popLast() {
      if expanded { order.append(node); continue }
      guard let ctx = node.context, visited.insert(ObjectIdentifier(node)).inserted else { continue }
      stack.append((node, true))
      for p in ctx.parents.reversed() where !visited.contains(ObjectIdentifier(p)) && p.context != nil {
        stack.append((p, false))
      }
    }
    return order
  }

  /// Computes the gradient of this scalar with respect to every tensor that requires one and adds it to
  /// their ``grad`` (teenygrad's `backward`); returns self.
  @discardableResult
  public func backward() -> Tensor {
    precondition(shape.isEmpty, "backward: can only backward a scalar (shape []), got \(shape)")
    grad = Tensor(lazy: .const(1, shape: [], dtype: dtype), requiresGrad: false)
    for node in topologicalOrder().reversed() {
      guard let ctx = node.context, let g = node.grad else { continue }
      let grads = ctx.backward(g.lazydata)
      for (parent, pg) in zip(ctx.parents, grads) {
        guard let pg, parent.requiresGrad == true else { continue }
        precondition(pg.shape == parent.shape, "backward: gradient shape \(pg.shape) != tensor shape \(parent.shape)")
        let gt = Tensor(lazy: pg, requiresGrad: false)
        parent.grad = parent.grad.map { $0 + gt } ?? gt
      }
      node.context = nil
    }
    return self
  }
}
