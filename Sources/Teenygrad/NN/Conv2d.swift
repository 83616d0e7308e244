/// A 2-d convolution layer (tinygrad's `nn.Conv2d`).
public final class Conv2d: Module {
  /// The kernel, shaped `(outChannels, inChannels / groups, kernelSize, kernelSize)` as in PyTorch.
  public var weight: Tensor
  /// The bias, shaped `(outChannels)`, or `nil` for a layer without one.
  public var bias: Tensor?
  /// The step between windows, the same on both axes.
  public let stride: Int
  /// Zero padding added to every side of the input.
  public let padding: Int
  /// The spacing between kernel taps.
  public let dilation: Int
  /// The number of channel groups convolved separately.
  public let groups: Int

  /// Creates a layer with PyTorch's default initialization: the weight from `kaimingUniform(a: √5)` and the
  /// bias uniform in `±1/√fanIn`, where `fanIn = inChannels / groups * kernelSize²`.
  public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1,
              padding: Int = 0, dilation: Int = 1, groups: Int = 1, bias: Bool = true) {
    precondition(inChannels % groups == 0 && outChannels % groups == 0,
                 "channels \(inChannels) -> \(outChannels) do not divide into \(groups) groups")
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    weight = Tensor.kaimingUniform(outChannels, inChannels / groups, kernelSize, kernelSize,
                                   a: Float(5).squareRoot())
    let bound = 1 / Float(inChannels / groups * kernelSize * kernelSize).squareRoot()
    self.bias = bias ? Tensor.uniform(outChannels, low: -bound, high: bound) : nil
  }

  /// Returns the convolution of `x`, shaped `(batch, inChannels, height, width)`.
  public func callAsFunction(_ x: Tensor) -> Tensor {
    x.conv2d(weight, bias: bias, groups: groups, stride: [stride], dilation: [dilation], padding: [padding])
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
