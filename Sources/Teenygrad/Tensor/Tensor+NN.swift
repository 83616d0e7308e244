extension Tensor {
  /// Returns `self · weight + bias` for a weight shaped `(in, out)`, or `self * weight + bias` for a 1-d weight
  /// (teenygrad's `linear`).
  public func linear(_ weight: Tensor, bias: Tensor? = nil) -> Tensor {
    let x = weight.ndim == 1 ? self * weight : dot(weight)
    guard let bias else { return x }
    return x + bias
  }

  /// Returns `self` normalized to zero mean and unit variance along `axis` (teenygrad's `layernorm`).
  public func layernorm(axis: Int = -1, eps: Float = 1e-5) -> Tensor {
    layernorm(axes: [axis], eps: eps)
  }

  /// Returns `self` normalized to zero mean and unit variance over `axes` together (teenygrad's `layernorm` with
  /// a tuple of axes).
  public func layernorm(axes: [Int], eps: Float = 1e-5) -> Tensor {
    let centered = self - mean(axes: axes, keepdim: true)
    return centered * ((centered * centered).mean(axes: axes, keepdim: true) + eps).rsqrt()
  }

  /// Returns `(self - mean) * weight * invstd + bias` with the per-channel vectors broadcast over an NCHW input
  /// (teenygrad's `batchnorm`).
  ///
  /// `invstd` may also be a tensor that already broadcasts against `self`.
  public func batchnorm(weight: Tensor?, bias: Tensor?, mean: Tensor, invstd: Tensor) -> Tensor {
    let channel = [1, -1, 1, 1]
    var x = self - mean.reshape(channel)
    if let weight { x = x * weight.reshape(channel) }
    let out = x * (invstd.ndim == 1 ? invstd.reshape(channel) : invstd)
    guard let bias else { return out }
    return out + bias.reshape(channel)
  }

  /// Returns `self` with each element zeroed with probability `p` and the rest scaled by `1 / (1 - p)` while
  /// ``Tensor/training`` is on; `self` unchanged otherwise (teenygrad's `dropout`).
  public func dropout(_ p: Float = 0.5) -> Tensor {
    guard Tensor.training, p != 0 else { return self }
    let keep = Tensor.rand(shape) .>= p
    return self * keep.cast(dtype) * (1 / (1 - p))
  }

  /// Returns `softmax(self · keyᵀ / √d + mask) · value`, with `self` as the queries (teenygrad's
  /// `scaled_dot_product_attention`).
  ///
  /// A boolean `attnMask` marks the positions that may be attended to; a float mask is added to the scores.
  /// `isCausal` replaces the mask with the lower triangle.
  public func scaledDotProductAttention(key: Tensor, value: Tensor, attnMask: Tensor? = nil,
                                        dropoutP: Float = 0, isCausal: Bool = false) -> Tensor {
    var mask = attnMask
    if isCausal {
      mask = Tensor.ones([shape[ndim - 2], key.shape[key.ndim - 2]]).tril(0).cast(.bool)
    }
    if let allowed = mask, allowed.dtype == .bool {
      mask = allowed.where(0, -Float.infinity)
    }
    var scores = matmul(key.transpose(-2, -1)) / Float(shape[ndim - 1]).squareRoot()
    if let mask { scores = scores + mask }
    return scores.softmax(axis: -1).dropout(dropoutP).matmul(value)
  }

  /// Returns the upper triangle of the last two axes from diagonal `k` up; other elements are zero
  /// (teenygrad's `triu`).
  public func triu(_ k: Int = 0) -> Tensor {
    Self.triangle(rows: shape[ndim - 2], columns: shape[ndim - 1], k: k).where(self, zerosLike())
  }

  /// Returns the lower triangle of the last two axes up to diagonal `k`; other elements are zero
  /// (teenygrad's `tril`).
  public func tril(_ k: Int = 0) -> Tensor {
    Self.triangle(rows: shape[ndim - 2], columns: shape[ndim - 1], k: k + 1).where(zerosLike(), self)
  }

  /// A `(rows, columns)` bool mask, true where `column - row >= k`.
  private static func triangle(rows: Int, columns: Int, k: Int) -> Tensor {
    let row = Tensor.arange(Float(rows)).unsqueeze(1).expand(rows, columns)
    let shiftedColumn = Tensor.arange(Float(-k), Float(columns - k)).unsqueeze(0).expand(rows, columns)
    return row .<= shiftedColumn
  }
}
