/// Splits a reduce kernel with few outputs and a long reduction into two kernels, so that the long reduction
/// spreads over many tiles while no reduction is ever split across threads inside one kernel:
///
/// ```
/// R_sum 16777216 -> 1    becomes    R_sum 1024x16384 -> 1024x1    then    R_sum 1024 -> 1
/// ```
///
/// The first kernel writes partial results over fixed-size chunks of the longest reduced axis into a
/// temporary; the second reduces the partials. The chunk count depends on the kernel's shape alone, never on
/// the thread count, so the order of every addition, and with it every bit of the result, is the same at any
/// number of threads. When the axis length has no divisor near the chunk size, a sum whose expression is zero
/// on zero inputs is still split: its last, shorter piece is reduced by the final kernel beside the partials,
/// each read through padding.
enum ReduceSplit {
  /// Elements each partial reduces: 64 KiB of floats, long enough that a tile streams memory at full speed,
  /// short enough that a 16M-element sum gives a thousand tiles.
  static let chunkLength = 1 << 14
  /// Reductions shorter than this stay one kernel: their tiles are too cheap to be worth a second kernel.
  static let minimumLength = 1 << 15
  /// Kernels with this many outputs or more already have enough tiles to keep every core busy.
  static let maximumOutputs = 64

  /// How `kernel` is split: the first `chunks * piece` elements of the reduced `axis` cut into `chunks`
  /// pieces, and the last `tail` elements, if any, reduced by the final kernel with the partials.
  struct Plan: Equatable {
    var axis: Int
    var chunks: Int
    var piece: Int
    var tail: Int
  }

  /// The kernels that compute `kernel`: itself, or a partial and a final reduce whose temporary is appended
  /// to `buffers`.
  static func split(_ kernel: Kernel, buffers: inout [ScheduledBuffer]) -> [Kernel] {
    guard let plan = plan(kernel) else { return splitInnerAxes(kernel, buffers: &buffers) ?? [kernel] }
    return split(kernel, plan, buffers: &buffers)
  }

  /// Most outputs of a matrix product split along K (``splitProduct(_:buffers:)``).
  static let maximumProductOutputs = 4096

  /// A matrix product with a small C and a long K (a first conv layer's weight gradient: 8 x 9 outputs, each
  /// a sum over 86528 batch pixels) is split like a long reduce: the partial kernel is a GEMM batched over
  /// K chunks, so its tiles spread over the threads, and the final kernel sums the chunks' C in order.
  static func splitProduct(_ kernel: Kernel, buffers: inout [ScheduledBuffer]) -> [Kernel] {
    guard GEMMMatcher.operands(kernel) != nil,
          let plan = plan(kernel, maximumOutputs: maximumProductOutputs), plan.tail == 0 else { return [kernel] }
    return split(kernel, plan, buffers: &buffers)
  }

  private static func split(_ kernel: Kernel, _ plan: Plan, buffers: inout [ScheduledBuffer]) -> [Kernel] {
    let a = plan.axis, whole = plan.chunks * plan.piece
    var partial = kernel
    partial.shape.replaceSubrange(a...a, with: [plan.chunks, plan.piece])
    partial.reduceAxes = kernel.reduceAxes.map { $0 < a ? $0 : $0 + 1 }
    partial.outputDType = .float32
    for i in partial.inputs.indices {
      let st = kernel.inputs[i].st
      let reshaped = (plan.tail > 0 ? st.shrunk(ranges(kernel.shape, a, 0, whole)) : st).reshaped(partial.shape)
      // A reshape the view cannot express would send every load through the slow general indexer.
      guard reshaped.viewCount <= st.viewCount else { return [kernel] }
      partial.inputs[i].st = reshaped
    }
    var partialsShape = kernel.outputShape
    partialsShape[a] = plan.chunks
    let partials = writePartials(of: &partial, shape: partialsShape, buffers: &buffers)
    DebugLog.print(3, "schedule: split \(kernel.name) along axis \(a) into \(plan.chunks) chunks of \(plan.piece)"
                   + (plan.tail > 0 ? " and a tail of \(plan.tail)" : ""))
    guard plan.tail > 0 else { return [partial, reducing(partials, shape: partialsShape, axes: [a], into: kernel)] }
    // The final kernel runs along `axis` over the partials, then over the tail: each operand reads zeros
    // (through padding) where the other one's elements are, and the expression is zero there.
    var finalShape = kernel.shape
    finalShape[a] = plan.chunks + plan.tail
    var final = kernel
    final.shape = finalShape
    final.inputs = kernel.inputs.map { input in
      var tail = input
      tail.st = input.st.shrunk(ranges(kernel.shape, a, whole, kernel.shape[a]))
        .padded(finalShape.indices.map { $0 == a ? (plan.chunks, 0) : (0, 0) })
      return tail
    }
    var spread = partials
    spread.st = partials.st.padded(finalShape.indices.map { d in
      d == a ? (0, plan.tail) : (kernel.reduceAxes.contains(d) ? (0, finalShape[d] - 1) : (0, 0))
    })
    final.inputs.insert(spread, at: 0)
    final.expr = .binary(.add, .load(0), shiftingLoads(kernel.expr, by: 1))
    return [partial, final]
  }

  /// Fewest lanes the first kernel of an inner-axes split must have for the split to pay.
  static let minimumInnerLanes = 512
  /// Most partial results an inner-axes split stores.
  static let maximumInnerPartials = 1 << 20

  /// A reduce to few outputs whose innermost axes are reduced, such as a bias gradient (a sum over batch and
  /// pixels per channel), runs its reduce steps on as many lanes as it has outputs. It becomes two kernels:
  ///
  /// ```
  /// R_sum 128x64x11x11 -> 1x64x1x1    becomes    R_sum 128x64x11x11 -> 1x64x11x11    then    R_sum 1x64x11x11 -> 1x64x1x1
  /// ```
  ///
  /// The first reduces only the axes outside the last output axis, with the inner reduced axes as extra
  /// lanes (contiguous rows); the second reduces the inner axes of those partials along contiguous rows. Both
  /// depend on the shape alone, so results are the same at any thread count.
  static func splitInnerAxes(_ kernel: Kernel, buffers: inout [ScheduledBuffer]) -> [Kernel]? {
    guard kernel.kind == .reduce, kernel.gemm == nil, kernel.reduceOp != nil,
          kernel.outputCount < minimumInnerLanes,
          let lastOut = kernel.shape.indices.last(where: { !kernel.reduceAxes.contains($0) && kernel.shape[$0] > 1 })
    else { return nil }
    let inner = kernel.reduceAxes.filter { $0 > lastOut && kernel.shape[$0] > 1 }
    let outer = kernel.reduceAxes.filter { $0 < lastOut && kernel.shape[$0] > 1 }
    let innerCount = inner.reduce(1) { $0 * kernel.shape[$1] }
    let partialCount = kernel.outputCount * innerCount
    guard !outer.isEmpty, innerCount >= 8, partialCount >= minimumInnerLanes,
          partialCount <= maximumInnerPartials else { return nil }
    var partial = kernel
    partial.reduceAxes = outer
    partial.outputDType = .float32
    let partialsShape = partial.outputShape
    let partials = writePartials(of: &partial, shape: partialsShape, buffers: &buffers)
    DebugLog.print(3, "schedule: split \(kernel.name) into its outer reduced axes, then the inner ones")
    return [partial, reducing(partials, shape: partialsShape, axes: inner, into: kernel)]
  }

  /// Points `partial` at a new float32 temporary of `shape`, appended to `buffers`; returns the input that
  /// reads it back.
  private static func writePartials(of partial: inout Kernel, shape: [Int], buffers: inout [ScheduledBuffer]) -> KernelInput {
    buffers.append(ScheduledBuffer(dtype: .float32, count: shape.reduce(1, *), owner: nil, existing: nil))
    partial.output = buffers.count - 1
    return KernelInput(buffer: partial.output, st: .contiguous(shape), dtype: .float32)
  }

  /// The final kernel of a split: `kernel`'s reduce of `partials` (of `shape`) along `axes` into its output.
  private static func reducing(_ partials: KernelInput, shape: [Int], axes: [Int], into kernel: Kernel) -> Kernel {
    Kernel(kind: .reduce, output: kernel.output, outputDType: kernel.outputDType, shape: shape, reduceAxes: axes,
           reduceOp: kernel.reduceOp, inputs: [partials], expr: .load(0), gemm: nil)
  }

  /// The split of `kernel`, or nil when it stays one kernel.
  static func plan(_ kernel: Kernel, maximumOutputs: Int = ReduceSplit.maximumOutputs) -> Plan? {
    guard kernel.kind == .reduce, kernel.gemm == nil, let op = kernel.reduceOp,
          kernel.outputCount < maximumOutputs, let axis = longestReducedAxis(kernel) else { return nil }
    let reduced = kernel.iterationCount / Swift.max(1, kernel.outputCount)
    guard reduced >= minimumLength else { return nil }
    let length = kernel.shape[axis]
    // Elements of the other reduced axes that every step along `axis` covers.
    let inner = reduced / length
    let target = Swift.max(1, chunkLength / inner)
    guard length >= 2 * target else { return nil }
    if let piece = divisor(of: length, near: target) {
      return Plan(axis: axis, chunks: length / piece, piece: piece, tail: 0)
    }
    guard op == .sum, isZeroOnZeros(kernel.expr) else { return nil }
    return Plan(axis: axis, chunks: length / target, piece: target, tail: length % target)
  }

  /// Full ranges on every axis of `shape` but `axis`, which keeps `lower..<upper`.
  private static func ranges(_ shape: [Int], _ axis: Int, _ lower: Int, _ upper: Int) -> [(Int, Int)] {
    shape.indices.map { $0 == axis ? (lower, upper) : (0, shape[$0]) }
  }

  /// `expr` with every `load(i)` reading `load(i + offset)`.
  private static func shiftingLoads(_ expr: KernelExpr, by offset: Int) -> KernelExpr {
    switch expr {
    case .load(let i): .load(i + offset)
    case .const: expr
    case .unary(let op, let a): .unary(op, shiftingLoads(a, by: offset))
    case .binary(let op, let a, let b): .binary(op, shiftingLoads(a, by: offset), shiftingLoads(b, by: offset))
    case .ternary(let op, let a, let b, let c):
      .ternary(op, shiftingLoads(a, by: offset), shiftingLoads(b, by: offset), shiftingLoads(c, by: offset))
    }
  }

  /// The longest reduced axis (the outermost of equals), if it is longer than 1.
  private static func longestReducedAxis(_ kernel: Kernel) -> Int? {
    var best: Int?
    for a in kernel.reduceAxes.sorted() where kernel.shape[a] > 1 && kernel.shape[a] > best.map({ kernel.shape[$0] }) ?? 0 {
      best = a
    }
    return best
  }

  /// The divisor of `length` closest to `target` (the smaller of two equally close) between half and twice
  /// `target`, leaving at least two pieces.
  private static func divisor(of length: Int, near target: Int) -> Int? {
    let lowest = Swift.max(1, target / 2), highest = Swift.min(2 * target, length / 2)
    guard lowest <= highest else { return nil }
    let range = lowest...highest
    for delta in 0...target {
      if range.contains(target - delta), length % (target - delta) == 0 { return target - delta }
      if range.contains(target + delta), length % (target + delta) == 0 { return target + delta }
    }
    return nil
  }

  /// Whether `expr` is 0 wherever its loads are 0, as loads through padding are: then padding adds nothing
  /// to a sum.
  static func isZeroOnZeros(_ expr: KernelExpr) -> Bool {
    switch expr {
    case .load: true
    case .const(let v): v == 0
    case .unary(let op, let a):
      switch op {
      case .neg, .sqrt, .sin, .cast: isZeroOnZeros(a)
      case .exp2, .log2: false
      }
    case .binary(let op, let a, let b):
      switch op {
      // 0 times a constant is 0; 0 times an arbitrary expression may be 0 * inf.
      case .mul: (isZeroOnZeros(a) && (isZeroOnZeros(b) || isFiniteConstant(b))) || (isZeroOnZeros(b) && isFiniteConstant(a))
      case .add, .sub, .max, .cmplt: isZeroOnZeros(a) && isZeroOnZeros(b)
      case .div: false
      }
    case .ternary(_, _, let a, let b): isZeroOnZeros(a) && isZeroOnZeros(b)
    }
  }

  private static func isFiniteConstant(_ expr: KernelExpr) -> Bool {
    if case .const(let v) = expr { return v.isFinite }
    return false
  }
}
