/// Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay, as PyTorch's
/// `torch.optim.SGD` computes it (teenygrad's `SGD`).
public final class SGD: Optimizer {
  /// The learning rate, a one-element tensor: `lr.assign(...)` changes it between steps.
  public var lr: Tensor { tensors.lr }
  /// The momentum factor; zero turns momentum off.
  public let momentum: Float
  /// The L2 penalty added to each gradient as `weightDecay * param`.
  public let weightDecay: Float
  /// Whether the update uses Nesterov momentum.
  public let nesterov: Bool

  private let tensors: OptimizerTensors
  /// The momentum buffers, one per trained tensor; empty without momentum.
  private let velocity: [Tensor]

  /// Creates an optimizer for `params`.
  public init(_ params: [Tensor], lr: Float = 0.001, momentum: Float = 0, weightDecay: Float = 0,
              nesterov: Bool = false) {
    tensors = OptimizerTensors(params, lr: lr)
    self.momentum = momentum
    self.weightDecay = weightDecay
    self.nesterov = nesterov
    velocity = momentum != 0 ? tensors.params.map { Tensor.zeros($0.shape, requiresGrad: false) } : []
  }

  /// Clears the gradient of every trained tensor.
  public func zeroGrad() {
    tensors.zeroGrad()
  }

  /// Applies one update: `g = grad + weightDecay * p`; with momentum `b = momentum * b + g` and `g = b` (or
  /// `g + momentum * b` with Nesterov); then `p = p - lr * g`.
  public func step() {
    let grads = tensors.gradients()
    for (i, param) in tensors.params.enumerated() {
      var g = grads[i] + weightDecay * param.detach()
      if momentum != 0 {
        velocity[i].assign(momentum * velocity[i] + g).realize()
        g = nesterov ? g + momentum * velocity[i] : velocity[i]
      }
      param.assign(param.detach() - g * tensors.lr)
    }
    tensors.realize(with: velocity)
  }

  /// `"lr"` and, with momentum, the buffers `"b.0"`, `"b.1"`, ... in parameter order.
  public var state: [String: Tensor] {
    OptimizerTensors.named("b", velocity).merging(["lr": tensors.lr]) { old, _ in old }
  }
}
