/// A fully connected layer: `x · weightᵀ + bias` (tinygrad's `nn.Linear`).
public final class Linear: Module {
  /// The weight, shaped `(outFeatures, inFeatures)` as in PyTorch.
  public var weight: Tensor
  /// The bias, shaped `(outFeatures)`, or `nil` for a layer without one.
  public var bias: Tensor?

  /// Creates a layer with PyTorch's default initialization: the weight from `kaimingUniform(a: √5)` and the
  /// bias uniform in `±1/√inFeatures`.
  public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
    weight = Tensor.kaimingUniform(outFeatures, inFeatures, a: Float(5).squareRoot())
    let bound = 1 / Float(inFeatures).squareRoot()
    self.bias = bias ? Tensor.uniform(outFeatures, low: -bound, high: bound) : nil
  }

  /// Returns the layer applied to `x`, shaped `(*, inFeatures)`.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    x.linear(weight.transpose(), bias: bias)
  }

  /// `[weight, bias]`, without the bias when there is none.
  public var parameters: [Tensor] {
    [weight] + (bias.map { [$0] } ?? [])
  }

  /// `"weight"` and, when present, `"bias"`.
  public var state: [String: Tensor] {
    var state = ["weight": weight]
    state["bias"] = bias
    return state
  }
}
