import Foundation

extension Tensor {
  private func reduce(_ op: ReduceOp, axes: [Int]?, keepdim: Bool) -> Tensor {
    let shape = self.shape
    // Sizes of the result with keepdim; -1 marks a reduced axis until the kept sizes are read off.
    var reducedShape = axes == nil ? [Int](repeating: -1, count: shape.count) : shape
    for a in axes ?? [] {
      let d = axis(a, op: op == .sum ? "sum" : "max")
      if d < shape.count { reducedShape[d] = -1 }  // a scalar's axis 0 reduces nothing
    }
    var kept: [Int] = []
    kept.reserveCapacity(shape.count)
    for d in shape.indices {
      if reducedShape[d] == -1 { reducedShape[d] = 1 } else { kept.append(shape[d]) }
    }
    if shape.contains(0) && !kept.contains(0) {
      return Tensor.full(keepdim ? shape.map { $0 == 0 ? 1 : $0 } : kept, op == .sum ? 0 : -.infinity, dtype: dtype)
    }
    let src = op == .sum && dtype == .bool ? cast(.int32) : self
    let ret: Tensor
    switch op {
    case .sum:
      ret = Function.apply(SumFn(), src) { f in
        f?.inputShape = src.shape
        return src.lazydata.r(.sum, reducedShape)
      }
    case .max:
      ret = Function.apply(MaxFn(), src) { f in
        f?.x = src.lazydata
        let maxima = src.lazydata.r(.max, reducedShape)
        f?.ret = maxima
        return maxima
      }
    }
    return keepdim ? ret : ret.reshape(kept)
  }

  /// The sum over `axis` (nil: every axis). Bool tensors sum as int32.
  public func sum(axis: Int? = nil, keepdim: Bool = false) -> Tensor { reduce(.sum, axes: axis.map { [$0] }, keepdim: keepdim) }
  /// The sum over several axes.
  public func sum(axes: [Int], keepdim: Bool = false) -> Tensor { reduce(.sum, axes: axes, keepdim: keepdim) }
  /// The maximum over `axis` (nil: every axis); ties share the gradient.
  public func max(axis: Int? = nil, keepdim: Bool = false) -> Tensor { reduce(.max, axes: axis.map { [$0] }, keepdim: keepdim) }
  /// The maximum over several axes.
  public func max(axes: [Int], keepdim: Bool = false) -> Tensor { reduce(.max, axes: axes, keepdim: keepdim) }
  /// The minimum over several axes.
  public func min(axes: [Int], keepdim: Bool = false) -> Tensor { -((-self).max(axes: axes, keepdim: keepdim)) }
  /// The minimum over `axis` (nil: every axis).
  public func min(axis: Int? = nil, keepdim: Bool = false) -> Tensor { -((-self).max(axis: axis, keepdim: keepdim)) }

  /// The mean over `axis` (nil: every axis); integer tensors average as float32.
  public func mean(axis: Int? = nil, keepdim: Bool = false) -> Tensor { mean(axes: axis.map { [$0] } ?? Array(0..<ndim), keepdim: keepdim) }

  /// The mean over several axes.
  public func mean(axes: [Int], keepdim: Bool = false) -> Tensor {
    let x = dtype.isFloatingPoint ? self : cast(.float32)
    let out = x.sum(axes: axes, keepdim: keepdim)
    if shape.contains(0) { return out }
    return out.mul(Float(out.numel) / Float(numel))
  }

  /// The standard deviation over `axis` with Bessel's `correction`.
  public func std(axis: Int? = nil, keepdim: Bool = false, correction: Int = 1) -> Tensor {
    std(axes: axis.map { [$0] } ?? Array(0..<ndim), keepdim: keepdim, correction: correction)
  }

  /// The standard deviation over several axes.
  public func std(axes: [Int], keepdim: Bool = false, correction: Int = 1) -> Tensor {
    let squareSum = (self - mean(axes: axes, keepdim: true)).square().sum(axes: axes, keepdim: keepdim)
    return squareSum.div(Float(numel) / Float(squareSum.numel) - Float(correction)).sqrt()
  }

  private func softmaxParts(_ axis: Int) -> (m: Tensor, e: Tensor, ss: Tensor) {
    let m = self - max(axis: axis, keepdim: true)
    let e = m.exp()
    return (m, e, e.sum(axis: axis, keepdim: true))
  }

  /// exp(x) / sum(exp(x)) along `axis`, computed stably.
  public func softmax(axis: Int = -1) -> Tensor {
    let p = softmaxParts(axis)
    return p.e.div(p.ss)
  }

  /// log(softmax(x)) along `axis`, computed stably.
  public func logSoftmax(axis: Int = -1) -> Tensor {
    let p = softmaxParts(axis)
    return p.m - p.ss.log()
  }

  /// The index of the first maximum along `axis` (nil: of the flattened tensor), as int32.
  public func argmax(axis: Int? = nil, keepdim: Bool = false) -> Tensor {
    guard let axis else {
      let count = Float(numel)
      let isMax = self .== max()
      let idx = isMax.where(Tensor.arange(count - 1, -1, step: -1, dtype: .int32).reshape(shape), 0)
      return (count - idx.max() - 1).cast(.int32)
    }
    let a = self.axis(axis, op: "argmax")
    let isMax = self .== max(axis: a, keepdim: true)
    let rev = Tensor.arange(Float(shape[a] - 1), -1, step: -1, dtype: .int32)
      .reshape([shape[a]] + [Int](repeating: 1, count: ndim - a - 1))
    let idx = isMax.where(rev, 0)
    return (Float(shape[a]) - idx.max(axis: a, keepdim: keepdim) - 1).cast(.int32)
  }

  /// The index of the first minimum along `axis`, as int32.
  public func argmin(axis: Int? = nil, keepdim: Bool = false) -> Tensor { (-self).argmax(axis: axis, keepdim: keepdim) }
}
