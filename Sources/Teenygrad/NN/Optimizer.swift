/// Updates tensors from their gradients (teenygrad's `nn.optim.Optimizer`).
///
/// Tensors handed to an optimizer with `requiresGrad == nil` become trainable (`true`); those with `false` are
/// buffers, realized with every step but never updated.
public protocol Optimizer: AnyObject {
  /// Clears the gradient of every trained tensor.
  func zeroGrad()

  /// Updates every trained tensor from its gradient and realizes the tensors and the optimizer's state together.
  func step()

  /// The optimizer's own tensors by name (learning rate, moment buffers, step count), for checkpoints.
  ///
  /// The values are the optimizer's live tensors: ``loadState(_:)`` assigns into them.
  var state: [String: Tensor] { get }

  /// Restores state saved from ``state``, so that training resumes exactly where it stopped.
  ///
  /// - Throws: ``StateError`` when a name is missing or a shape differs.
  func loadState(_ state: [String: Tensor]) throws
}

extension Optimizer {
  /// Assigns every tensor of `state` to the optimizer's tensor of the same name and realizes them.
  public func loadState(_ state: [String: Tensor]) throws {
    try assignState(state, into: self.state)
  }
}

/// The tensors an optimizer trains, the buffers it only realizes, and its learning rate.
struct OptimizerTensors {
  let params: [Tensor]
  let buffers: [Tensor]
  /// A one-element tensor, so that changing it (with `assign`) needs no new graph.
  let lr: Tensor

  init(_ tensors: [Tensor], lr: Float) {
    for tensor in tensors where tensor.requiresGrad == nil { tensor.requiresGrad = true }
    params = Self.unique(tensors.filter { $0.requiresGrad == true })
    precondition(!params.isEmpty, "an optimizer needs at least one tensor that requires a gradient")
    buffers = Self.unique(tensors.filter { $0.requiresGrad != true })
    self.lr = Tensor([lr], requiresGrad: false).contiguous()
  }

  func zeroGrad() {
    for param in params { param.grad = nil }
  }

  /// Every parameter's gradient, realized together in one schedule (the backward pass shares most of its
  /// kernels between them), in parameter order.
  func gradients() -> [Tensor] {
    let grads = params.map { param in
      guard let grad = param.grad else { preconditionFailure("step() called on a tensor without a gradient") }
      return grad
    }
    Tensor.realizeAll(grads)
    return grads
  }

  /// Realizes `extra`, the updated parameters and the buffers in one schedule (teenygrad's `corealize`).
  func realize(with extra: [Tensor]) {
    Tensor.realizeAll(extra + params + buffers)
  }

  /// Names the per-parameter tensors `"prefix.index"`.
  static func named(_ prefix: String, _ tensors: [Tensor]) -> [String: Tensor] {
    Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ("\(prefix).\($0.offset)", $0.element) })
  }

  private static func unique(_ tensors: [Tensor]) -> [Tensor] {
    var seen = Set<ObjectIdentifier>()
    return tensors.filter { seen.insert(ObjectIdentifier($0)).inserted }
  }
}
