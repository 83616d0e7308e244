/// Cuts the lazy graph above some outputs into kernels.
///
/// Fusion rules: an elementwise base is inlined into the kernel that reads it unless it is read by more than
/// one node, read through padding or through a broadcast (which would recompute it), or is an output itself.
/// A reduce base always ends a kernel and takes its elementwise inputs with it. A reduce whose fused
/// expression is `MUL(load a, load b)` becomes a GEMM when ``GEMMMatcher`` can express both operands as strided
/// matrices.
struct Scheduler {
  private var schedule = Schedule()
  private var bufferIndex: [ObjectIdentifier: Int] = [:]
  private var parents: [ObjectIdentifier: Int] = [:]
  private var forced: Set<ObjectIdentifier> = []
  /// Operand copies already scheduled, by what they copy: two GEMMs reading the same operand the same way
  /// (conv's output gradient feeds both weight and input gradients) share one copy.
  private var operandCopies: [OperandCopy: Int] = [:]

  private struct OperandCopy: Hashable {
    var buffer: Int
    var source: ShapeTracker
    var shape: [Int]
  }
  private var visited: Set<ObjectIdentifier> = []
  /// What the kernel being built fused so far (filled when `DEBUG >= 3`).
  private var fusion = FusionDecisions()

  static func schedule(_ outputs: [LazyBuffer]) -> Schedule {
    var s = Scheduler()
    let bases = outputs.map(\.base).filter { $0.realized == nil }
    for b in bases { s.countParents(b) }
    for b in bases { s.forced.insert(ObjectIdentifier(b)) }
    for b in bases { _ = s.materialize(b) }
    ScatterFusion.fuse(&s.schedule, kept: Set(bases.compactMap { s.bufferIndex[ObjectIdentifier($0)] }))
    for i in s.schedule.kernels.indices { s.schedule.kernels[i].route = KernelRoute(s.schedule.kernels[i]) }
    return s.schedule
  }

  private mutating func countParents(_ base: LazyBuffer) {
    guard visited.insert(ObjectIdentifier(base)).inserted else { return }
    var seen: Set<ObjectIdentifier> = []
    for src in base.srcs where src.base.realized == nil {
      let id = ObjectIdentifier(src.base)
      if seen.insert(id).inserted { parents[id, default: 0] += 1 }
      countParents(src.base)
    }
  }

  /// Makes sure a kernel computes `base` (or that it is already memory); returns its buffer index.
  private mutating func materialize(_ base: LazyBuffer) -> Int {
    let id = ObjectIdentifier(base)
    if let i = bufferIndex[id] { return i }
    if let buffer = base.realized {
      return addBuffer(ScheduledBuffer(dtype: buffer.dtype, count: buffer.count, owner: nil, existing: buffer), id)
    }
    let enclosing = fusion
    fusion = FusionDecisions()
    defer { fusion = enclosing }
    let kernel: Kernel?
    switch base.op {
    case .buffer:
      preconditionFailure("a base without memory claims to be realized")
    case .empty:
      kernel = nil
    case .reduce(let op):
      let src = base.srcs[0]
      var inputs: [KernelInput] = []
      let expr = expression(src, outer: nil, inputs: &inputs)
      let axes = src.shape.indices.filter { src.shape[$0] != base.shape[$0] }
      kernel = Kernel(kind: .reduce, output: -1, outputDType: base.dtype, shape: src.shape, reduceAxes: axes,
                      reduceOp: op, inputs: inputs, expr: expr, gemm: nil)
    case .contiguous:
      var inputs: [KernelInput] = []
      let expr = expression(base.srcs[0], outer: nil, inputs: &inputs)
      kernel = Kernel(kind: .copy, output: -1, outputDType: base.dtype, shape: base.shape, reduceAxes: [],
                      reduceOp: nil, inputs: inputs, expr: expr, gemm: nil)
    case .const(let v):
      kernel = Kernel(kind: .elementwise, output: -1, outputDType: base.dtype, shape: base.shape, reduceAxes: [],
                      reduceOp: nil, inputs: [], expr: .const(v), gemm: nil)
    case .unary, .binary, .ternary:
      var inputs: [KernelInput] = []
      let expr = elementwise(base, outer: nil, inputs: &inputs)
      kernel = Kernel(kind: .elementwise, output: -1, outputDType: base.dtype, shape: base.shape, reduceAxes: [],
                      reduceOp: nil, inputs: inputs, expr: expr, gemm: nil)
    }
    let out = addBuffer(ScheduledBuffer(dtype: base.dtype, count: base.numel, owner: base, existing: nil), id)
    if var k = kernel {
      k.output = out
      ScheduleLog.kernel(k, fusion)
      if k.kind == .reduce {
        for part in ReduceSplit.splitProduct(k, buffers: &schedule.buffers) {
          for lowered in lowerToGEMM(part) {
            schedule.kernels += ReduceSplit.split(lowered, buffers: &schedule.buffers)
          }
        }
      } else { schedule.kernels.append(KernelRefinement.refine(k)) }
    }
    return out
  }

  /// The kernel as a GEMM when it is a matrix product with both M and N larger than 1; operands that cannot
  /// be read in place are copied first (im2col for conv).
  private mutating func lowerToGEMM(_ kernel: Kernel) -> [Kernel] {
    guard let (ia, ib) = GEMMMatcher.operands(kernel) else { return [kernel] }
    let classes = GEMMMatcher.classes(kernel, ia, ib)
    let size = { (c: GEMMMatcher.AxisClass) in kernel.shape.indices.filter { classes[$0] == c }.map { kernel.shape[$0] }.reduce(1, *) }
    guard size(.m) > 1, size(.n) > 1 else {
      ScheduleLog.noGEMM(kernel, reason: "M \(size(.m)) N \(size(.n)): a matrix-vector product stays a reduce")
      return [kernel]
    }
    let direct = GEMMMatcher.match(kernel)
    // Dot products read A in place, and B in place or through their own copy: nothing is copied first.
    if let gemm = direct, gemm.gemm!.runsAsDotProducts {
      ScheduleLog.gemm(gemm, from: kernel, copied: [], viaTemporary: false)
      return [gemm]
    }
    // An operand read through offset tables gathers as it packs: packed more than once, it is copied first.
    let repacked = direct.flatMap(\.gemm).map(GEMMMatcher.repackedIndexedOperands) ?? []
    if let gemm = direct, repacked.isEmpty {
      ScheduleLog.gemm(gemm, from: kernel, copied: [], viaTemporary: false)
      return [gemm]
    }
    var k = kernel
    let copied = [ia, ib].filter { !GEMMMatcher.isDirect(k, input: $0, classes: classes) || repacked.contains($0) }
    // Each copy's layout depends on whether it becomes the GEMM's B: find out with a trial match.
    var trial = k
    for i in copied { trial.inputs[i].st = Self.copyLayout(k, input: i, classes: classes, kFirst: false, outStrides: nil).view }
    let tempStrides = GEMMMatcher.classOrderedOutput(k, classes: classes)
    var outStrides = View.contiguousStrides(k.outputShape)
    for d in k.reduceAxes { outStrides[d] = 0 }
    var trialGEMM = GEMMMatcher.match(trial)
    if trialGEMM == nil {
      outStrides = tempStrides
      trialGEMM = GEMMMatcher.match(trial, outStrides: tempStrides)
    }
    let bInput = trialGEMM?.gemm?.b.input
    for i in copied { k.inputs[i] = copyOperand(k, input: i, classes: classes, kFirst: i == bInput, outStrides: outStrides) }
    if let gemm = GEMMMatcher.match(k) {
      ScheduleLog.gemm(gemm, from: kernel, copied: copied, viaTemporary: false)
      return [gemm]
    }
    // The output interleaves the classes: write C through offset tables, or else multiply into a
    // class-ordered temporary and permute that into place.
    if let gemm = GEMMMatcher.match(k, outputTables: true), GEMMMatcher.repackedIndexedOperands(gemm.gemm!).isEmpty {
      ScheduleLog.gemm(gemm, from: kernel, copied: copied, viaTemporary: false)
      return [gemm]
    }
    guard var gemm = GEMMMatcher.match(k, outStrides: tempStrides) else {
      ScheduleLog.noGEMM(kernel, reason: "axis classes \(classes.map { $0.map { "\($0)" } ?? "-" }) do not collapse")
      return [kernel]
    }
    schedule.buffers.append(ScheduledBuffer(dtype: .float32, count: k.outputCount, owner: nil, existing: nil))
    gemm.output = schedule.buffers.count - 1
    let view = View(shape: k.outputShape, strides: tempStrides)
    let copy = Kernel(kind: .copy, output: k.output, outputDType: k.outputDType, shape: k.outputShape, reduceAxes: [],
                      reduceOp: nil, inputs: [KernelInput(buffer: gemm.output, st: ShapeTracker(view), dtype: .float32)],
                      expr: .load(0), gemm: nil)
    ScheduleLog.gemm(gemm, from: kernel, copied: copied, viaTemporary: true)
    return [gemm, copy]
  }

  /// Schedules a copy of a GEMM operand into a temporary laid out class by class; returns the input that
  /// reads the copy in the kernel's iteration shape.
  private mutating func copyOperand(_ k: Kernel, input i: Int, classes: [GEMMMatcher.AxisClass?], kFirst: Bool,
                                    outStrides: [Int]) -> KernelInput {
    let input = k.inputs[i]
    let layout = Self.copyLayout(k, input: i, classes: classes, kFirst: kFirst, outStrides: outStrides)
    // Size-1 axes sit where each kernel has them: compare copies without them.
    let kept = layout.shape.filter { $0 != 1 }
    let key = OperandCopy(buffer: input.buffer, source: layout.source.reshaped(kept), shape: kept)
    if let temp = operandCopies[key] { return KernelInput(buffer: temp, st: layout.view, dtype: input.dtype) }
    schedule.buffers.append(ScheduledBuffer(dtype: input.dtype, count: layout.shape.reduce(1, *), owner: nil, existing: nil))
    let temp = schedule.buffers.count - 1
    schedule.kernels.append(Kernel(kind: .copy, output: temp, outputDType: input.dtype, shape: layout.shape, reduceAxes: [],
                                   reduceOp: nil, inputs: [KernelInput(buffer: input.buffer, st: layout.source, dtype: input.dtype)],
                                   expr: .load(0), gemm: nil))
    operandCopies[key] = temp
    return KernelInput(buffer: temp, st: layout.view, dtype: input.dtype)
  }

  /// An operand copy's layout: what the copy kernel reads, its shape, and how the GEMM kernel reads the copy.
  private static func copyLayout(_ k: Kernel, input i: Int, classes: [GEMMMatcher.AxisClass?], kFirst: Bool,
                                 outStrides: [Int]?) -> (source: ShapeTracker, shape: [Int], view: ShapeTracker) {
    let order = GEMMMatcher.copyOrder(k, input: i, classes: classes, kFirst: kFirst, outStrides: outStrides)
    let ownShape = k.shape.indices.map { order.contains($0) ? k.shape[$0] : 1 }
    let perm = order + k.shape.indices.filter { !order.contains($0) }
    let source = k.inputs[i].st.shrunk(ownShape.map { (0, $0) }).permuted(perm)
    let copyShape = perm.map { ownShape[$0] }
    var inverse = [Int](repeating: 0, count: perm.count)
    for (j, p) in perm.enumerated() { inverse[p] = j }
    return (source, copyShape, ShapeTracker.contiguous(copyShape).permuted(inverse).expanded(k.shape))
  }

  private mutating func addBuffer(_ b: ScheduledBuffer, _ id: ObjectIdentifier) -> Int {
    schedule.buffers.append(b)
    bufferIndex[id] = schedule.buffers.count - 1
    return schedule.buffers.count - 1
  }

  /// The expression for `node` (a view of some base) as seen through `outer`.
  private mutating func expression(_ node: LazyBuffer, outer: ShapeTracker?, inputs: inout [KernelInput]) -> KernelExpr {
    let base = node.base
    let st = outer.map { $0.composed(onto: node.st) } ?? node.st
    if base.realized == nil {
      if let blocker = fusionBlocker(base, st) {
        if DebugLog.isOn(3) { fusion.separate(base, because: blocker) }
      } else if case .const(let v) = base.op {
        return .const(v)
      } else {
        return elementwise(base, outer: st.isContiguous && st.shape == base.shape ? nil : st, inputs: &inputs)
      }
    }
    let buffer = materialize(base)
    if let i = inputs.firstIndex(where: { $0.buffer == buffer && $0.st == st }) { return .load(i) }
    inputs.append(KernelInput(buffer: buffer, st: st, dtype: base.dtype))
    return .load(inputs.count - 1)
  }

  /// Why the unrealized `base`, read through `st`, gets a kernel of its own; nil when it is inlined.
  private func fusionBlocker(_ base: LazyBuffer, _ st: ShapeTracker) -> FusionBlocker? {
    if forced.contains(ObjectIdentifier(base)) { return .output }
    if st.hasMask { return .padded }
    if case .const = base.op { return nil }
    guard base.op.isElementwise else { return .notElementwise }
    let readers = parents[ObjectIdentifier(base), default: 0]
    // Recomputing is worth it when it reads its memory inputs through no more views than the reader would
    // read the stored result: more views would trade a store and a load for slow per-element indexing.
    if readers > 1 && !(Self.isCheapToRecompute(base) && Self.leafViews(base, st) <= st.viewCount) {
      return .readers(readers)
    }
    return st.size > base.numel ? .broadcast : nil
  }

  /// Whether an elementwise base with several readers is cheaper to compute again in each reader than to
  /// write once and read back: at most ``recomputeLimit`` elementwise ops down to its memory inputs.
  private static func isCheapToRecompute(_ base: LazyBuffer) -> Bool {
    var ops = 0
    func fits(_ node: LazyBuffer) -> Bool {
      let b = node.base
      guard b.realized == nil, b.op.isElementwise else { return true }
      if !isFreeCast(b) { ops += 1 }
      return ops <= recomputeLimit && b.srcs.allSatisfy(fits)
    }
    return fits(base)
  }

  /// Whether `base` is a cast the fused expression drops (kernels compute in Float).
  private static func isFreeCast(_ base: LazyBuffer) -> Bool {
    guard case .unary(.cast(let d)) = base.op else { return false }
    return d == .float32 || ElementwiseIsExact.cast(from: base.srcs[0].dtype, to: d)
  }

  /// The most views through which inlining `base` (read through `st`) would read any of its memory inputs.
  private static func leafViews(_ base: LazyBuffer, _ st: ShapeTracker) -> Int {
    guard base.realized == nil, base.op.isElementwise else { return st.viewCount }
    let outer: ShapeTracker? = st.isContiguous && st.shape == base.shape ? nil : st
    return base.srcs.map { src in leafViews(src.base, outer.map { $0.composed(onto: src.st) } ?? src.st) }.max() ?? 0
  }

  /// The most elementwise ops recomputed per reader instead of materializing a shared result.
  static let recomputeLimit = 4

  /// The inlined expression of an elementwise base, its sources seen through `outer`.
  private mutating func elementwise(_ base: LazyBuffer, outer: ShapeTracker?, inputs: inout [KernelInput]) -> KernelExpr {
    if DebugLog.isOn(3) { fusion.fused(base) }
    let s = base.srcs.map { expression($0, outer: outer, inputs: &inputs) }
    switch base.op {
    case .unary(let op):
      return Self.isFreeCast(base) ? s[0] : .unary(op, s[0])
    case .binary(let op): return .binary(op, s[0], s[1])
    case .ternary(let op): return .ternary(op, s[0], s[1], s[2])
    default: preconditionFailure("not an elementwise op: \(base.op)")
    }
  }
}

/// Why a base is not inlined into the kernel that reads it.
enum FusionBlocker: CustomStringConvertible {
  /// It is one of the outputs being realized.
  case output
  /// It is read through padding, which the inlined expression cannot express.
  case padded
  /// A reduce, copy or empty buffer always has a kernel (or memory) of its own.
  case notElementwise
  /// Several nodes read it: inlining would compute it several times.
  case readers(Int)
  /// It is read through a broadcast: inlining would compute each element several times.
  case broadcast

  var description: String {
    switch self {
    case .output: "an output"
    case .padded: "read through padding"
    case .notElementwise: "has a kernel of its own"
    case .readers(let n): "\(n) readers"
    case .broadcast: "read through a broadcast"
    }
  }
}

/// Casts that change no value (kernels compute in Float, so widening casts are free).
enum ElementwiseIsExact {
  static func cast(from: DType, to: DType) -> Bool {
    switch (from, to) {
    case (.bool, _), (.uint8, .int32), (.uint8, .float16), (.float16, .float32): true
    default: false
    }
  }
}
