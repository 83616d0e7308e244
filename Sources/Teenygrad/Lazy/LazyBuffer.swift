/// A node of the lazy graph: either a *base* that some kernel will compute into its own buffer, or a *view*
/// of a base through a ``ShapeTracker``. Movement ops make views and never copy.
final class LazyBuffer {
  let dtype: DType
  let st: ShapeTracker
  /// The base this view reads; nil when self is a base.
  let viewedBase: LazyBuffer?

  // Base state.
  private(set) var op: LazyOp
  private(set) var srcs: [LazyBuffer]
  private(set) var realized: Buffer?

  /// The last ``GraphSignature`` walk that passed this base, and the number it gave it there.
  var signatureMark: (walk: Int, number: Int) = (0, 0)

  var shape: [Int] { st.shape }
  var base: LazyBuffer { viewedBase ?? self }
  var isBase: Bool { viewedBase == nil }
  var numel: Int { st.size }

  private init(dtype: DType, st: ShapeTracker, base: LazyBuffer?, op: LazyOp, srcs: [LazyBuffer], realized: Buffer?) {
    self.dtype = dtype
    self.st = st
    self.viewedBase = base
    self.op = op
    self.srcs = srcs
    self.realized = realized
  }

  /// A base computed by `op` from `srcs` (each already broadcast to `shape`).
  static func make(_ op: LazyOp, _ srcs: [LazyBuffer], shape: [Int], dtype: DType) -> LazyBuffer {
    LazyBuffer(dtype: dtype, st: .contiguous(shape), base: nil, op: op, srcs: srcs, realized: nil)
  }

  /// A realized base over existing memory.
  static func fromBuffer(_ buffer: Buffer, shape: [Int]) -> LazyBuffer {
    precondition(buffer.count == shape.reduce(1, *), "buffer of \(buffer.count) elements cannot have shape \(shape)")
    return LazyBuffer(dtype: buffer.dtype, st: .contiguous(shape), base: nil, op: .buffer, srcs: [], realized: buffer)
  }

  static func const(_ value: Float, shape: [Int], dtype: DType) -> LazyBuffer {
    make(.const(value), [], shape: shape, dtype: dtype)
  }

  static func empty(shape: [Int], dtype: DType) -> LazyBuffer { make(.empty, [], shape: shape, dtype: dtype) }

  /// A buffer holding `values` converted to `dtype`.
  static func fromFloats(_ values: [Float], shape: [Int], dtype: DType) -> LazyBuffer {
    let buffer = Buffer(dtype: dtype, count: values.count)
    if dtype == .float32 {
      values.withUnsafeBufferPointer { buffer.floats.update(from: $0.baseAddress!, count: values.count) }
    } else {
      for (i, v) in values.enumerated() { ElementIO.store(buffer.raw, dtype, i, v) }
    }
    return fromBuffer(buffer, shape: shape)
  }

  /// A buffer holding raw little-endian bytes of `dtype`.
  static func fromBytes(_ bytes: [UInt8], shape: [Int], dtype: DType) -> LazyBuffer {
    let count = shape.reduce(1, *)
    precondition(bytes.count == count * dtype.itemSize, "\(bytes.count) bytes cannot hold \(shape) of \(dtype)")
    let buffer = Buffer(dtype: dtype, count: count)
    bytes.withUnsafeBytes { buffer.raw.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
    return fromBuffer(buffer, shape: shape)
  }

  // MARK: realization state

  /// Called by the executor when a kernel has computed this base: the graph above it is dropped.
  func setRealized(_ buffer: Buffer) {
    precondition(isBase, "only a base holds memory")
    realized = buffer
    op = .buffer
    srcs = []
  }

  /// True when this node's base is a constant seen through a view without padding.
  var constValue: Float? {
    if case .const(let v) = base.op, !st.hasMask { return v }
    return nil
  }

  // MARK: graph building (teenygrad's LazyBuffer API)

  /// A constant of this buffer's shape and dtype.
  func const(_ value: Float) -> LazyBuffer { LazyBuffer.const(value, shape: shape, dtype: dtype) }

  func e(_ op: UnaryOp) -> LazyBuffer {
    let out: DType
    if case .cast(let d) = op { out = d } else { out = dtype }
    return LazyBuffer.make(.unary(op), [self], shape: shape, dtype: out)
  }

  func e(_ op: BinaryOp, _ other: LazyBuffer) -> LazyBuffer {
    precondition(shape == other.shape, "\(op) needs equal shapes, got \(shape) and \(other.shape)")
    let out: DType = op == .cmplt ? .bool : DType.promoted(dtype, other.dtype)
    return LazyBuffer.make(.binary(op), [self, other], shape: shape, dtype: out)
  }

  func e(_ op: TernaryOp, _ a: LazyBuffer, _ b: LazyBuffer) -> LazyBuffer {
    precondition(shape == a.shape && shape == b.shape, "where needs equal shapes, got \(shape), \(a.shape) and \(b.shape)")
    return LazyBuffer.make(.ternary(op), [self, a, b], shape: shape, dtype: DType.promoted(a.dtype, b.dtype))
  }

  /// Reduces to `newShape`, which has 1 where an axis is reduced.
  func r(_ op: ReduceOp, _ newShape: [Int]) -> LazyBuffer {
    precondition(newShape.count == shape.count, "reduce keeps the rank: \(shape) -> \(newShape)")
    if newShape == shape { return self }
    return LazyBuffer.make(.reduce(op), [self], shape: newShape, dtype: dtype)
  }

  func cast(_ dtype: DType) -> LazyBuffer { dtype == self.dtype ? self : e(.cast(dtype)) }

  func contiguous() -> LazyBuffer {
    if st.isContiguous && numel == base.numel { return self }
    return LazyBuffer.make(.contiguous, [self], shape: shape, dtype: dtype)
  }

  // MARK: movement

  fileprivate func view(_ newST: ShapeTracker) -> LazyBuffer {
    if newST == st { return self }
    return LazyBuffer(dtype: dtype, st: newST, base: base, op: .buffer, srcs: [], realized: nil)
  }

  /// This buffer's one unmasked view with its axes rearranged: `shape` and `strides` (in elements) from the
  /// same offset, as a permute, a reshape that adds size-1 axes and an expand would give it in one step.
  /// Nil when the buffer has a mask or more than one view.
  func restrided(_ shape: [Int], _ strides: [Int]) -> LazyBuffer? {
    guard st.isSingleView, st.last.mask == nil else { return nil }
    return view(ShapeTracker(View(shape: shape, strides: strides, offset: st.last.offset)))
  }

  func reshape(_ newShape: [Int]) -> LazyBuffer { view(st.reshaped(newShape)) }
  func permute(_ order: [Int]) -> LazyBuffer { view(st.permuted(order)) }
  func expand(_ newShape: [Int]) -> LazyBuffer { view(st.expanded(newShape)) }
  func pad(_ arg: [(Int, Int)]) -> LazyBuffer {
    arg.allSatisfy({ $0 == (0, 0) }) ? self : view(st.padded(arg))
  }
  func shrink(_ arg: [(Int, Int)]) -> LazyBuffer {
    zip(arg, shape).allSatisfy({ $0.0 == (0, $0.1) }) ? self : view(st.shrunk(arg))
  }
  /// The sliding windows of the trailing `kernel.count` axes as one strided view `(*prefix, *output, *kernel)`.
  /// A padded or multi-view source is copied contiguous first, since windows need plain strides.
  func windows(kernel: [Int], stride: [Int], dilation: [Int]) -> LazyBuffer {
    let source = st.isSingleView && st.last.mask == nil ? self : LazyBuffer.make(.contiguous, [self], shape: shape, dtype: dtype)
    let v = source.st.last
    let n = kernel.count, p = shape.count - n
    let input = Array(shape.suffix(n))
    var out: [Int] = []
    for i in 0..<n {
      let span: Int = dilation[i] * (kernel[i] - 1) + 1
      out.append((input[i] - span) / stride[i] + 1)
    }
    let spatial = Array(v.strides.suffix(n))
    let outStrides: [Int] = (0..<n).map { spatial[$0] * stride[$0] }
    let tapStrides: [Int] = (0..<n).map { spatial[$0] * dilation[$0] }
    let prefixShape: [Int] = Array(shape.prefix(p))
    let prefixStrides: [Int] = Array(v.strides.prefix(p))
    let view = View(shape: prefixShape + out + kernel, strides: prefixStrides + outStrides + tapStrides, offset: v.offset)
    return source.view(ShapeTracker(view))
  }

  /// Flips the axes marked true (teenygrad's `stride` with -1).
  func flip(_ axes: [Bool]) -> LazyBuffer { axes.contains(true) ? view(st.flipped(axes)) : self }
}
