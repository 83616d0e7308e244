/// One differentiable op (teenygrad's `Function`): `forward` builds the result on LazyBuffers and remembers
/// what `backward` needs; `backward` turns the output's gradient into one gradient per input.
class Function {
  /// The inputs, kept only when the result tracks gradients.
  var parents: [Tensor] = []
  /// Per input, whether it wants a gradient (its `requiresGrad`); set when the result tracks gradients.
  var needsInputGrad: [Bool?] = []

  init() {}

  /// Gradients for each parent, in order; nil where a parent needs none.
  func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    preconditionFailure("backward not implemented for \(type(of: self))")
  }

  func needs(_ i: Int) -> Bool { needsInputGrad[i] == true }

  /// Runs `forward` on one input and wraps the result (teenygrad's `Function.apply`). The function is made, and
  /// recorded as the result's context with its input, only when the result tracks gradients; otherwise
  /// `forward` gets nil, and nothing is allocated for autograd.
  static func apply<F: Function>(_ make: @autoclosure () -> F, _ x: Tensor, _ forward: (F?) -> LazyBuffer) -> Tensor {
    record(make, requiresGrad: x.requiresGrad, parents: [x], forward)
  }

  /// Runs `forward` on two inputs, as the one-input `apply` does.
  static func apply<F: Function>(_ make: @autoclosure () -> F, _ x: Tensor, _ y: Tensor,
                                 _ forward: (F?) -> LazyBuffer) -> Tensor {
    record(make, requiresGrad: joined(x.requiresGrad, y.requiresGrad), parents: [x, y], forward)
  }

  /// Runs `forward` on three inputs, as the one-input `apply` does.
  static func apply<F: Function>(_ make: @autoclosure () -> F, _ x: Tensor, _ y: Tensor, _ z: Tensor,
                                 _ forward: (F?) -> LazyBuffer) -> Tensor {
    record(make, requiresGrad: joined(joined(x.requiresGrad, y.requiresGrad), z.requiresGrad), parents: [x, y, z],
           forward)
  }

  /// Whether a result of inputs with these flags tracks gradients: true if either does, nil (undecided) if
  /// either is undecided, else false.
  private static func joined(_ a: Bool?, _ b: Bool?) -> Bool? {
    if a == true || b == true { return true }
    return a == nil || b == nil ? nil : false
  }

  private static func record<F: Function>(_ make: () -> F, requiresGrad: Bool?, parents: @autoclosure () -> [Tensor],
                                          _ forward: (F?) -> LazyBuffer) -> Tensor {
    let function = requiresGrad == true && !Tensor.isNoGrad ? make() : nil
    let tensor = Tensor(lazy: forward(function), requiresGrad: requiresGrad)
    if let function {
      let inputs = parents()
      function.needsInputGrad = inputs.map(\.requiresGrad)
      function.parents = inputs
      tensor.context = function
    }
    return tensor
  }
}
