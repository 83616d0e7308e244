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
  private var visited: Set<ObjectIdentifier> = []

  static func schedule(_ outputs: [LazyBuffer]) -> Schedule {
    var s = Scheduler()
    let bases = outputs.map(\.base).filter { $0.realized == nil }
    for b in bases { s.countParents(b) }
    for b in bases { s.forced.insert(ObjectIdentifier(b)) }
    for b in bases { _ = s.materialize(b) }
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
      if k.kind == .reduce, let matched = GEMMMatcher.match(k, buffers: schedule.buffers) { k = matched }
      schedule.kernels.append(k)
    }
    return out
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
    if base.realized == nil, !forced.contains(ObjectIdentifier(base)) {
      if case .const(let v) = base.op, !st.hasMask { return .const(v) }
      if base.op.isElementwise, parents[ObjectIdentifier(base), default: 0] <= 1, !st.hasMask, st.size <= base.numel {
        return elementwise(base, outer: st.isContiguous && st.shape == base.shape ? nil : st, inputs: &inputs)
      }
    }
    let buffer = materialize(base)
    if let i = inputs.firstIndex(where: { $0.buffer == buffer && $0.st == st }) { return .load(i) }
    inputs.append(KernelInput(buffer: buffer, st: st, dtype: base.dtype))
    return .load(inputs.count - 1)
  }

  /// The inlined expression of an elementwise base, its sources seen through `outer`.
  private mutating func elementwise(_ base: LazyBuffer, outer: ShapeTracker?, inputs: inout [KernelInput]) -> KernelExpr {
    let s = base.srcs.map { expression($0, outer: outer, inputs: &inputs) }
    switch base.op {
    case .unary(let op):
      if case .cast(let d) = op, DType.float32 == d || ElementwiseIsExact.cast(from: base.srcs[0].dtype, to: d) {
        return s[0]
      }
      return .unary(op, s[0])
    case .binary(let op): return .binary(op, s[0], s[1])
    case .ternary(let op): return .ternary(op, s[0], s[1], s[2])
    default: preconditionFailure("not an elementwise op: \(base.op)")
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
