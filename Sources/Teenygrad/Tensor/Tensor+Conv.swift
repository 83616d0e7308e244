extension Tensor {
  /// Returns the 2-d (or n-d) convolution of `self`, shaped `(batch, groups * cin, *spatial)`, with `weight`,
  /// shaped `(cout, cin, *kernel)` (teenygrad's `conv2d`).
  ///
  /// `stride` and `dilation` hold one value for every spatial axis, or one value for all. `padding` holds one
  /// value for all sides, one value per spatial axis, or two per axis in `pad2d` order (left, right, top, bottom).
  /// The convolution is a window pool of the padded input multiplied by the broadcast weight and summed.
  public func conv2d(_ weight: Tensor, bias: Tensor? = nil, groups: Int = 1,
                     stride: [Int] = [1], dilation: [Int] = [1], padding: [Int] = [0]) -> Tensor {
    let batch = shape[0], cout = weight.shape[0], cin = weight.shape[1]
    let kernel = Array(weight.shape.dropFirst(2))
    precondition(groups * cin == shape[1] && ndim == weight.ndim,
                 "input shape \(shape) does not match the weight shape \(weight.shape) with \(groups) groups")
    let n = kernel.count
    let ones = Array(repeating: 1, count: n)
    var x = pad2d(Self.convPadding(padding, spatialAxes: n)).pool(kernel, stride: stride, dilation: dilation)
    let rcout = cout / groups, outSpatial = Array(x.shape[2 ..< 2 + n])
    // (batch, groups, cin, rcout, *out, *kernel) reordered to (batch, groups, rcout, *out, cin, *kernel).
    x = x.reshape([batch, groups, cin, 1] + outSpatial + kernel)
      .expand([batch, groups, cin, rcout] + outSpatial + kernel)
      .permute([0, 1, 3] + (0..<n).map { 4 + $0 } + [2] + (0..<n).map { 4 + n + $0 })
    let w = weight.reshape([1, groups, rcout] + ones + [cin] + kernel)
    let out = (x * w).sum(axes: Array(-(n + 1) ..< 0), keepdim: true).reshape([batch, cout] + outSpatial)
    guard let bias else { return out }
    return out + bias.reshape([1, -1] + ones)
  }

  /// Returns the transposed convolution (the gradient of ``conv2d(_:bias:groups:stride:dilation:padding:)`` with
  /// respect to its input) of `self` with `weight`, shaped `(cin, cout / groups, *kernel)`
  /// (teenygrad's `conv_transpose2d`).
  ///
  /// Strides spread the input apart with zeros; the result is a convolution with the flipped, regrouped weight.
  public func convTranspose2d(_ weight: Tensor, bias: Tensor? = nil, groups: Int = 1, stride: [Int] = [1],
                              dilation: [Int] = [1], padding: [Int] = [0], outputPadding: [Int] = [0]) -> Tensor {
    let kernel = Array(weight.shape.dropFirst(2))
    let n = kernel.count
    let kernelAxes = Array(3 ..< 3 + n)
    let flipped = weight.reshape([groups, weight.shape[0] / groups, weight.shape[1]] + kernel)
      .permute([0, 2, 1] + kernelAxes).flip(kernelAxes)
    let s = Self.spatialArgument(stride, count: n, name: "stride")
    let d = Self.spatialArgument(dilation, count: n, name: "dilation")
    let p = Self.spatialArgument(padding, count: n, name: "padding")
    let op = Self.spatialArgument(outputPadding, count: n, name: "outputPadding")

    var x = self
    if s.contains(where: { $0 > 1 }) {
      let head = Array(shape.prefix(2)), spatial = Array(shape.dropFirst(2))
      x = x.reshape(head + spatial.flatMap { [$0, 1] })
        .pad([nil, nil] + s.flatMap { [nil, (0, $0 - 1)] })
        .reshape(head + (0..<n).map { spatial[$0] * s[$0] })
      x = x.shrink([nil, nil] + (0..<n).map { (0, spatial[$0] * s[$0] - (s[$0] - 1)) })
    }
    // Padding in pad2d order: the last spatial axis first.
    let convPadding = (0..<n).reversed().flatMap { i in
      let edge = (kernel[i] - 1) * d[i] - p[i]
      return [edge, edge + op[i]]
    }
    let w = flipped.reshape([flipped.shape[0] * flipped.shape[1]] + Array(flipped.shape.dropFirst(2)))
    return x.conv2d(w, bias: bias, groups: groups, dilation: dilation, padding: convPadding)
  }

  /// Expands a convolution's `padding` argument to `pad2d` order, two values per spatial axis with the last
  /// axis first.
  static func convPadding(_ padding: [Int], spatialAxes n: Int) -> [Int] {
    switch padding.count {
    case 1: return Array(repeating: padding[0], count: 2 * n)
    case 2 * n: return padding
    case n: return padding.reversed().flatMap { [$0, $0] }
    default: preconditionFailure("padding \(padding) needs 1, \(n) or \(2 * n) values")
    }
  }
}
