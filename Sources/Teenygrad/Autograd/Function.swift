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

  /// Runs `forward` on `inputs` and wraps the result, recording this function as the result's context when
  /// any input tracks gradients (teenygrad's `Function.apply`).
  static func apply<F: Function>(_ function: F, _ inputs: [Tensor], _ forward: (F) -> LazyBuffer) -> Tensor {
    var anyNeeds = false, anyUnknown = false
    for input in inputs {
      switch input.requiresGrad {
      case true?: anyNeeds = true
      case nil: anyUnknown = true
      case false?: break
      }
    }
    let out = forward(function)
    let requiresGrad: Bool? = anyNeeds ? true : anyUnknown ? nil : false
    let tensor = Tensor(lazy: out, requiresGrad: requiresGrad)
    if requiresGrad == true && !Tensor.isNoGrad {
      // Only a function that joins the graph keeps its inputs and which of them need a gradient.
      function.needsInputGrad = inputs.map(\.requiresGrad)
      function.parents = inputs
      tensor.context = function
    }
    return tensor
  }
}
