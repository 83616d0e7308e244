extension Tensor {
  /// Returns the mean binary cross-entropy of probabilities `self` against targets `y`
  /// (teenygrad's `binary_crossentropy`).
  public func binaryCrossentropy(_ y: Tensor) -> Tensor {
    let positive = -y * log()
    let negative = (1 - y) * (1 - self).log()
    return (positive - negative).mean()
  }

  /// Returns the mean binary cross-entropy of logits `self` against targets `y`, computed stably as
  /// `max(x, 0) - y * x + log(1 + e^-|x|)` (teenygrad's `binary_crossentropy_logits`).
  public func binaryCrossentropyLogits(_ y: Tensor) -> Tensor {
    let softplusOfNegativeAbs = (1 + abs().neg().exp()).log()
    return (maximum(0) - y * self + softplusOfNegativeAbs).mean()
  }

  /// Returns the mean cross-entropy of logits `self`, shaped `(*batch, classes)`, against integer class labels
  /// `y`, shaped `(*batch)`; labels equal to `ignoreIndex` count for nothing (teenygrad's
  /// `sparse_categorical_crossentropy`).
  ///
  /// The labels become negative one-hot rows by comparing them with `arange(classes)`.
  public func sparseCategoricalCrossentropy(_ y: Tensor, ignoreIndex: Int = -1) -> Tensor {
    let classes = shape[ndim - 1]
    let labels = y.dtype == .int32 ? y : y.cast(.int32)
    let lossMask = (labels .!= Float(ignoreIndex)).cast(.float32)
    let counter = Tensor.arange(Float(classes), dtype: .int32).unsqueeze(0).expand(labels.numel, classes)
    let oneHot = (counter .== labels.flatten().reshape(-1, 1)).where(-1, 0)
    let target = (oneHot * lossMask.reshape(-1, 1)).reshape(labels.shape + [classes])
    return logSoftmax().mul(target).sum() / lossMask.sum()
  }
}
