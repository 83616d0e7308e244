/// Layer normalization over the trailing `normalizedShape` axes, with an optional elementwise affine map
/// (tinygrad's `nn.LayerNorm`).
public final class LayerNorm: Module {
  /// The trailing shape normalized together.
  public let normalizedShape: [Int]
  /// Added to the variance before the square root.
  public let eps: Float
  /// The scale, shaped `normalizedShape` and initialized to ones, or `nil` without the affine map.
  public var weight: Tensor?
  /// The shift, shaped `normalizedShape` and initialized to zeros, or `nil` without the affine map.
  public var bias: Tensor?

  /// Creates a layer normalizing the last `normalizedShape.count` axes.
  public init(_ normalizedShape: [Int], eps: Float = 1e-5, elementwiseAffine: Bool = true) {
    self.normalizedShape = normalizedShape
    self.eps = eps
    if elementwiseAffine {
      weight = Tensor.ones(normalizedShape)
      bias = Tensor.zeros(normalizedShape)
    }
  }

  /// Returns `x` normalized over its trailing axes, then scaled and shifted.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    let n = normalizedShape.count
    precondition(Array(x.shape.suffix(n)) == normalizedShape,
                 "input shape \(x.shape) does not end in \(normalizedShape)")
    let normalized = x.layernorm(axes: Array(-n ..< 0), eps: eps)
    guard let weight, let bias else { return normalized }
    return normalized * weight + bias
  }

  /// `[weight, bias]`, or none without the affine map.
  public var parameters: [Tensor] {
    [weight, bias].compactMap { $0 }
  }

  /// `"weight"` and `"bias"` when the layer has the affine map.
  public var state: [String: Tensor] {
    var state: [String: Tensor] = [:]
    state["weight"] = weight
    state["bias"] = bias
    return state
  }
}
