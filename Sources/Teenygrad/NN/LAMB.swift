import Foundation

/// LAMB: Adam(W) whose update is scaled by the trust ratio `‖p‖ / ‖update‖` per tensor (teenygrad's `LAMB`).
///
/// With `adam: true` the trust ratio is fixed at one, which is Adam with decoupled weight decay; ``Adam`` and
/// ``AdamW`` are that configuration.
public class LAMB: Optimizer {
  /// The learning rate, a one-element tensor: `lr.assign(...)` changes it between steps.
  public var lr: Tensor { tensors.lr }
  /// The decay rate of the first moment.
  public let b1: Float
  /// The decay rate of the second moment.
  public let b2: Float
  /// Added to the square root of the second moment.
  public let eps: Float
  /// The decoupled weight decay added to the update as `weightDecay * param`.
  public let weightDecay: Float
  /// Whether the trust ratio is fixed at one.
  public let adam: Bool

  private let tensors: OptimizerTensors
  /// The step count, shaped `(1)`.
  private let t: Tensor
  /// First and second moments, one per trained tensor.
  private let m: [Tensor], v: [Tensor]

  /// Creates an optimizer for `params`.
  public init(_ params: [Tensor], lr: Float = 0.001, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-6,
              weightDecay: Float = 0, adam: Bool = false) {
    tensors = OptimizerTensors(params, lr: lr)
    self.b1 = b1
    self.b2 = b2
    self.eps = eps
    self.weightDecay = weightDecay
    self.adam = adam
    t = Tensor([0] as [Float], requiresGrad: false).realize()
    m = tensors.params.map { Tensor.zeros($0.shape, requiresGrad: false) }
    v = tensors.params.map { Tensor.zeros($0.shape, requiresGrad: false) }
  }

  /// Clears the gradient of every trained tensor.
  public func zeroGrad() {
    tensors.zeroGrad()
  }

  /// Applies one update: the moments `m = b1 * m + (1 - b1) * g` and `v = b2 * v + (1 - b2) * g²`, bias-corrected
  /// by `1 - b^t`, give `up = m̂ / (√v̂ + eps) + weightDecay * p`; then `p = p - lr * r * up` with the trust ratio
  /// `r` (one for Adam).
  public func step() {
    // The step count is realized with the parameters: the bias corrections read `t + 1` in that schedule.
    t.assign(t + 1)
    // b^t as exp(t * ln b), the form teenygrad uses for a constant base.
    let b1Power = (t * Float(Foundation.log(Double(b1)))).exp()
    let b2Power = (t * Float(Foundation.log(Double(b2)))).exp()
    // teenygrad realizes each gradient and moment as it goes; the values are the same when the moments are
    // realized with the parameters instead, in one schedule, and the step then costs two schedules.
    let grads = tensors.gradients()
    for (i, param) in tensors.params.enumerated() {
      let g = grads[i]
      m[i].assign(b1 * m[i] + (1 - b1) * g)
      v[i].assign(b2 * v[i] + (1 - b2) * (g * g))
      let mHat = m[i] / (1 - b1Power)
      let vHat = v[i] / (1 - b2Power)
      let up = mHat / (vHat.sqrt() + eps) + weightDecay * param.detach()
      if adam {
        param.assign(param.detach() - tensors.lr * up)
      } else {
        let r1 = param.detach().square().sum().sqrt()
        let r2 = up.square().sum().sqrt()
        let trust = (r1 .> 0).where((r2 .> 0).where(r1 / r2, 1), 1)
        param.assign(param.detach() - tensors.lr * trust * up)
      }
    }
    tensors.realize(with: [t] + m + v)
  }

  /// `"lr"`, `"t"`, and the moments `"m.0"`, `"v.0"`, `"m.1"`, ... in parameter order.
  public var state: [String: Tensor] {
    OptimizerTensors.named("m", m)
      .merging(OptimizerTensors.named("v", v)) { old, _ in old }
      .merging(["lr": tensors.lr, "t": t]) { old, _ in old }
  }
}

/// Adam: ``LAMB`` with the trust ratio fixed at one and no weight decay (teenygrad's `Adam`).
public final class Adam: LAMB {
  /// Creates an optimizer for `params`.
  public init(_ params: [Tensor], lr: Float = 0.001, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8) {
    super.init(params, lr: lr, b1: b1, b2: b2, eps: eps, weightDecay: 0, adam: true)
  }
}

/// AdamW: ``LAMB`` with the trust ratio fixed at one and decoupled weight decay (teenygrad's `AdamW`).
public final class AdamW: LAMB {
  /// Creates an optimizer for `params`.
  public init(_ params: [Tensor], lr: Float = 0.001, b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8,
              weightDecay: Float = 0.01) {
    super.init(params, lr: lr, b1: b1, b2: b2, eps: eps, weightDecay: weightDecay, adam: true)
  }
}
