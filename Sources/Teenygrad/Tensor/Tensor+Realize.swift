extension Tensor {
  /// Runs the graph that computes this tensor and keeps the result in memory; returns self.
  @discardableResult
  public func realize() -> Tensor {
    Tensor.realizeAll([self])
    return self
  }

  /// Realizes several tensors with one schedule, so shared work runs once (teenygrad's `corealize`).
  public static func realizeAll(_ tensors: [Tensor]) {
    let schedule = ScheduleCache.schedule(tensors.map(\.lazydata))
    guard !schedule.kernels.isEmpty || !schedule.buffers.isEmpty else { return }
    Profiler.beginRun()
    Executor.run(schedule)
  }

  /// Replaces this tensor's value with `other`'s (cast to this dtype) and returns self; the graph is not
  /// run until the tensor is realized. Optimizers update parameters this way.
  @discardableResult
  public func assign(_ other: Tensor) -> Tensor {
    precondition(shape == other.shape, "assign: shape mismatch \(shape) != \(other.shape)")
    lazydata = other.lazydata.cast(dtype)
    return self
  }

  /// The same value, cut off from the autograd graph.
  public func detach() -> Tensor { Tensor(lazy: lazydata, requiresGrad: false) }

  /// A copy laid out contiguously in memory (gradient passes straight through).
  public func contiguous() -> Tensor {
    Function.apply(ContiguousFn(), self) { _ in lazydata.contiguous() }
  }

  /// Identity forward; the gradient is made contiguous.
  public func contiguousBackward() -> Tensor {
    Function.apply(ContiguousBackwardFn(), self) { _ in lazydata }
  }

  /// The elements in row-major order, converted to Float (realizes the tensor).
  public func toArray() -> [Float] {
    let flat = contiguousRealized()
    let buffer = flat.base.realized!
    return (0..<numel).map { buffer.value(at: $0) }
  }

  /// The single element of a one-element tensor.
  public func item() -> Float {
    precondition(numel == 1, "item: a tensor of shape \(shape) has \(numel) elements, not 1")
    return toArray()[0]
  }

  /// The elements as raw little-endian bytes of ``dtype``, row-major.
  func rawBytes() -> [UInt8] {
    let flat = contiguousRealized()
    let buffer = flat.base.realized!
    return Array(buffer.bytes().prefix(numel * dtype.itemSize))
  }

  /// A tensor over raw little-endian bytes.
  convenience init(rawBytes: [UInt8], dtype: DType, shape: [Int]) {
    self.init(lazy: LazyBuffer.fromBytes(rawBytes, shape: shape, dtype: dtype))
  }

  /// A LazyBuffer whose base is realized and laid out exactly as this tensor's elements.
  private func contiguousRealized() -> LazyBuffer {
    var flat = lazydata.contiguous()
    if flat.base.realized == nil {
      Tensor.realizeAll([Tensor(lazy: flat)])
    }
    if !(flat.st.isContiguous && flat.numel == flat.base.numel) {
      flat = LazyBuffer.make(.contiguous, [flat], shape: shape, dtype: dtype)
      Tensor.realizeAll([Tensor(lazy: flat)])
    }
    return flat
  }
}
