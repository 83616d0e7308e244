/// Batch normalization over the channels of an NCHW input (tinygrad's `nn.BatchNorm2d`).
///
/// While ``Tensor/training`` is on, the layer normalizes with the batch's statistics and, with
/// `trackRunningStats`, folds them into ``runningMean`` and ``runningVar``; otherwise it normalizes with the
/// running statistics.
public final class BatchNorm2d: Module {
  /// Added to the variance before the square root.
  public let eps: Float
  /// The weight of the newest batch in the running statistics.
  public let momentum: Float
  /// Whether training updates the running statistics.
  public let trackRunningStats: Bool
  /// The per-channel scale, initialized to ones, or `nil` when the layer is not affine.
  public var weight: Tensor?
  /// The per-channel shift, initialized to zeros, or `nil` when the layer is not affine.
  public var bias: Tensor?
  /// The running mean per channel, initialized to zeros. State, not a parameter.
  public var runningMean: Tensor
  /// The running (unbiased) variance per channel, initialized to ones. State, not a parameter.
  public var runningVar: Tensor
  /// How many training batches updated the running statistics, shaped `(1)`.
  public var numBatchesTracked: Tensor

  /// Creates a layer for `features` channels.
  public init(_ features: Int, eps: Float = 1e-5, affine: Bool = true, trackRunningStats: Bool = true,
              momentum: Float = 0.1) {
    self.eps = eps
    self.momentum = momentum
    self.trackRunningStats = trackRunningStats
    if affine {
      weight = Tensor.ones(features)
      bias = Tensor.zeros(features)
    }
    runningMean = Tensor.zeros(features, requiresGrad: false)
    runningVar = Tensor.ones(features, requiresGrad: false)
    numBatchesTracked = Tensor.zeros(1, requiresGrad: false)
  }

  /// Returns `x`, shaped `(batch, features, height, width)`, normalized per channel.
  ///
  /// In training mode with `trackRunningStats`, the running statistics are updated and realized before this
  /// returns, so they never hold a growing lazy graph.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    guard Tensor.training else {
      let invstd = (runningVar.reshape(1, -1, 1, 1).expand(x.shape) + eps).rsqrt()
      return x.batchnorm(weight: weight, bias: bias, mean: runningMean, invstd: invstd)
    }
    let axes = [0, 2, 3]
    let batchMean = x.mean(axes: axes)
    let centered = x - batchMean.reshape(1, -1, 1, 1)
    let batchVar = (centered * centered).mean(axes: axes)
    let invstd = (batchVar + eps).pow(-0.5)
    if trackRunningStats {
      // The running variance is unbiased: n / (n - 1) with n values per channel.
      let count = Double(x.numel), channels = Double(x.shape[1])
      let varianceScale = Float(Double(momentum) * count / (count - channels))
      runningMean.assign((1 - momentum) * runningMean + momentum * batchMean.detach())
      runningVar.assign((1 - momentum) * runningVar + varianceScale * batchVar.detach())
      numBatchesTracked.assign(numBatchesTracked + 1)
      Tensor.realizeAll([runningMean, runningVar, numBatchesTracked])
    }
    return x.batchnorm(weight: weight, bias: bias, mean: batchMean, invstd: invstd)
  }

  /// `[weight, bias]` when the layer is affine, otherwise none.
  public var parameters: [Tensor] {
    [weight, bias].compactMap { $0 }
  }

  /// `"weight"`, `"bias"` (when affine), `"running_mean"`, `"running_var"` and `"num_batches_tracked"`.
  public var state: [String: Tensor] {
    var state = ["running_mean": runningMean, "running_var": runningVar, "num_batches_tracked": numBatchesTracked]
    state["weight"] = weight
    state["bias"] = bias
    return state
  }
}
