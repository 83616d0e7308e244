extension Tensor {
  /// Returns the maximum over each `kernelSize` window of the trailing spatial axes (teenygrad's `max_pool2d`).
  ///
  /// `stride` defaults to `kernelSize`. Each array holds one value for every spatial axis, or one value for all.
  public func maxPool2d(kernelSize: [Int] = [2, 2], stride: [Int]? = nil, dilation: [Int] = [1]) -> Tensor {
    let kernel = Self.poolKernel(kernelSize)
    let windows = pool(kernel, stride: stride ?? kernel, dilation: dilation)
    return windows.max(axes: Array(-kernel.count ..< 0))
  }

  /// Returns the mean over each `kernelSize` window of the trailing spatial axes (teenygrad's `avg_pool2d`).
  ///
  /// `stride` defaults to `kernelSize`. Each array holds one value for every spatial axis, or one value for all.
  public func avgPool2d(kernelSize: [Int] = [2, 2], stride: [Int]? = nil, dilation: [Int] = [1]) -> Tensor {
    let kernel = Self.poolKernel(kernelSize)
    let windows = pool(kernel, stride: stride ?? kernel, dilation: dilation)
    return windows.mean(axes: Array(-kernel.count ..< 0))
  }

  /// Returns the running sum along `axis`: element `i` is the sum of elements `0...i` (teenygrad's `cumsum`).
  ///
  /// Axes longer than 512 are summed in two stages: blocks of 256, then the block totals.
  public func cumsum(axis: Int = 0) -> Tensor {
    let axis = axis < 0 ? axis + ndim : axis
    let length = shape[axis], split = 256
    if length <= split * 2 { return windowCumsum(axis: axis) }
    let last = ndim - 1
    let padded = transpose(axis, last).pad2d([(length + split - 1) / split * split - length, 0])
    let blocks = padded.reshape(Array(padded.shape.dropLast()) + [padded.shape[last] / split, split])
      .windowCumsum(axis: last + 1)
    let blockTotals = blocks[.ellipsis, -1].windowCumsum(axis: last, firstZero: true)
    let offsets = blockTotals.shrink(blockTotals.shape.enumerated().map { i, size in i == last ? (0, size - 1) : nil })
      .unsqueeze(-1).expand(Array(blockTotals.shape.prefix(last)) + [blockTotals.shape[last] - 1, split])
    func unblock(_ x: Tensor) -> Tensor {
      let total = x.shape[last] * x.shape[last + 1]
      let flat = x.reshape(Array(x.shape.prefix(last)) + [total])
      return flat.shrink(flat.shape.indices.map { $0 == last ? (total - length, total) : nil }).transpose(axis, last)
    }
    return unblock(blocks) + unblock(offsets)
  }

  /// Sums each element with the `shape[axis] - 1` elements before it, by pooling windows over a left-padded axis.
  /// With `firstZero` the window ends one element earlier, so the result starts at zero.
  private func windowCumsum(axis: Int, firstZero: Bool = false) -> Tensor {
    let last = ndim - 1
    let length = shape[axis]
    return transpose(axis, last).pad2d([length - (firstZero ? 0 : 1), 0]).pool([length])
      .sum(axis: -1).transpose(axis, last)
  }

  /// Returns the sliding windows of the trailing `kernel.count` axes as extra trailing axes (teenygrad's `_pool`).
  ///
  /// A tensor `(*prefix, *input)` becomes `(*prefix, *output, *kernel)` where
  /// `output[i] = (input[i] - dilation[i] * (kernel[i] - 1) - 1) / stride[i] + 1`. The windows are one strided
  /// view of the input (overlapping windows share memory), so reductions over them fuse into one kernel and
  /// conv's im2col reads plain strides.
  func pool(_ kernel: [Int], stride: [Int] = [1], dilation: [Int] = [1]) -> Tensor {
    let n = kernel.count
    precondition(ndim >= n, "pool: can't pool \(shape) with kernel \(kernel)")
    let s = Self.spatialArgument(stride, count: n, name: "stride")
    let d = Self.spatialArgument(dilation, count: n, name: "dilation")
    let input = Array(shape.suffix(n))
    precondition((0..<n).allSatisfy { input[$0] >= d[$0] * (kernel[$0] - 1) + 1 },
                 "pool: kernel \(kernel) with dilation \(d) is larger than the input \(input)")
    return Function.apply(WindowFn(), self) { f in
      f?.inputShape = shape
      f?.kernel = kernel
      f?.strides = s
      f?.dilation = d
      return lazydata.windows(kernel: kernel, stride: s, dilation: d)
    }
  }

  /// Expands a per-spatial-axis argument: one value applies to all `count` axes (teenygrad's `make_pair`).
  static func spatialArgument(_ values: [Int], count: Int, name: String) -> [Int] {
    if values.count == 1 { return Array(repeating: values[0], count: count) }
    precondition(values.count == count, "\(name) \(values) needs 1 or \(count) values")
    return values
  }

  /// The window of a 2-d pool: one size means a square window.
  private static func poolKernel(_ kernelSize: [Int]) -> [Int] {
    kernelSize.count == 1 ? [kernelSize[0], kernelSize[0]] : kernelSize
  }
}
