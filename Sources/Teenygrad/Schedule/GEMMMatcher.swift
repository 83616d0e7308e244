/// Recognises `SUM(MUL(a, b))` reduce kernels (how teenygrad spells matmul and conv, forward and backward)
/// and turns them into batched GEMMs.
///
/// Every axis of the iteration space falls in one class: K (reduced), M (only `a` moves), N (only `b`
/// moves) or batch (both move, or neither). Each class must collapse into one stride per operand and for the
/// output. Operands that do not collapse as they are (several views, padding, interleaved axes) are first
/// copied into a buffer laid out class by class (batch, own axes, K): for conv that copy is im2col.
enum GEMMMatcher {
  enum AxisClass: Int, Comparable {
    case batch, m, n, k
    static func < (a: AxisClass, b: AxisClass) -> Bool { a.rawValue < b.rawValue }
  }

  /// The two operand inputs when the kernel has the GEMM shape, else nil.
  static func operands(_ kernel: Kernel) -> (Int, Int)? {
    guard kernel.kind == .reduce, kernel.reduceOp == .sum, kernel.outputDType == .float32,
          case .binary(.mul, .load(let a), .load(let b)) = kernel.expr, a != b,
          kernel.inputs[a].dtype == .float32, kernel.inputs[b].dtype == .float32 else { return nil }
    return (a, b)
  }

  /// Per kernel axis, its class, from where each operand's outermost view broadcasts.
  static func classes(_ kernel: Kernel, _ a: Int, _ b: Int) -> [AxisClass?] {
    let sa = kernel.inputs[a].st.last.strides, sb = kernel.inputs[b].st.last.strides
    return kernel.shape.indices.map { d in
      if kernel.shape[d] == 1 { return nil }
      if kernel.reduceAxes.contains(d) { return .k }
      switch (sa[d] != 0, sb[d] != 0) {
      case (true, false): return .m
      case (false, true): return .n
      default: return .batch
      }
    }
  }

  /// Whether operand `input` can be read in place: one unmasked view whose batch axes collapse. Its M, N and K
  /// axes may each collapse into a stride or be read through a table of offsets.
  static func isDirect(_ kernel: Kernel, input: Int, classes: [AxisClass?]) -> Bool {
    let st = kernel.inputs[input].st
    guard st.isSingleView, st.last.mask == nil else { return false }
    return [AxisClass.m, .n, .k].allSatisfy { axis(kernel.shape, st.last.strides, classes, $0) != nil }
      && collapse(kernel.shape, st.last.strides, classes, .batch) != nil
  }

  /// The layout an operand copy gets, as the kernel axes it keeps in order (kernel order within a class):
  /// batch axes first (those the output makes batch axes too, so each batch's operand is one block), then
  /// K before the operand's own axes when it becomes the GEMM's B (`kFirst`: B panels pack from contiguous
  /// rows), else its own axes before K (A panels pack from contiguous rows).
  /// `outStrides` is the layout the GEMM will write (nil: no axes are made batch axes).
  static func copyOrder(_ kernel: Kernel, input: Int, classes: [AxisClass?], kFirst: Bool, outStrides: [Int]?) -> [Int] {
    let strides = kernel.inputs[input].st.last.strides
    let own = kernel.shape.indices.filter { classes[$0] != nil && (strides[$0] != 0 || classes[$0] == .k) }
    let classes = outStrides.flatMap { outputClasses(kernel, classes, $0) } ?? classes
    func rank(_ c: AxisClass) -> Int {
      switch c {
      case .batch: 0
      case .k: kFirst ? 1 : 2
      case .m, .n: kFirst ? 2 : 1
      }
    }
    return own.sorted { (rank(classes[$0]!), $0) < (rank(classes[$1]!), $1) }
  }

  /// The axis classes with leading M or N axes that do not collapse in the output demoted to batch axes
  /// (conv's batch axis sits outside its pixels); nil when the output still does not collapse per class.
  static func outputClasses(_ kernel: Kernel, _ classes: [AxisClass?], _ outStrides: [Int]) -> [AxisClass?]? {
    var batchClasses = classes
    for _ in 0..<kernel.shape.count {
      if [AxisClass.batch, .m, .n].allSatisfy({ collapse(kernel.shape, outStrides, batchClasses, $0) != nil }) { return batchClasses }
      guard let first = kernel.shape.indices.first(where: {
        (batchClasses[$0] == .m || batchClasses[$0] == .n) && collapse(kernel.shape, outStrides, batchClasses, batchClasses[$0]!) == nil
      }) else { return nil }
      batchClasses[first] = .batch
    }
    return [AxisClass.batch, .m, .n].allSatisfy({ collapse(kernel.shape, outStrides, batchClasses, $0) != nil }) ? batchClasses : nil
  }

  /// The kernel as a GEMM, when both operands and the output collapse class by class.
  /// `outStrides` gives the output's layout per kernel axis (default: contiguous in the output shape).
  /// With `outputTables`, C's rows and columns may be written through offset tables where they do not
  /// collapse (conv's input gradient, whose window layout interleaves the classes).
  static func match(_ kernel: Kernel, outStrides explicit: [Int]? = nil, outputTables: Bool = false) -> Kernel? {
    guard let (ia, ib) = operands(kernel) else { return nil }
    let cls = classes(kernel, ia, ib)
    let va = kernel.inputs[ia].st, vb = kernel.inputs[ib].st
    guard va.isSingleView, vb.isSingleView, va.last.mask == nil, vb.last.mask == nil else { return nil }
    var outStrides = explicit ?? View.contiguousStrides(kernel.outputShape)
    for d in kernel.reduceAxes { outStrides[d] = 0 }
    if outputTables { return matchWithOutputTables(kernel, ia, ib, cls, outStrides) }
    guard let batchClasses = outputClasses(kernel, cls, outStrides) else { return nil }
    func strides(_ s: [Int], _ c: AxisClass) -> (size: Int, stride: Int)? { collapse(kernel.shape, s, batchClasses, c) }
    func operandAxis(_ s: [Int], _ c: AxisClass) -> OperandAxis? { axis(kernel.shape, s, batchClasses, c) }
    guard let aB = strides(va.last.strides, .batch), let aM = operandAxis(va.last.strides, .m), let aK = operandAxis(va.last.strides, .k),
          let bB = strides(vb.last.strides, .batch), let bN = operandAxis(vb.last.strides, .n), let bK = operandAxis(vb.last.strides, .k),
          let cB = strides(outStrides, .batch), let cM = strides(outStrides, .m), let cN = strides(outStrides, .n),
          strides(va.last.strides, .n)?.stride ?? 0 == 0, strides(vb.last.strides, .m)?.stride ?? 0 == 0
    else { return nil }
    // C's columns must be unit-stride: the class whose output stride is 1 becomes N.
    var spec: GEMMSpec
    if cN.size == 1 || cN.stride == 1 {
      spec = GEMMSpec(batch: cB.size, m: aM.size, n: bN.size, k: aK.size,
                      a: operand(ia, va.last, rows: aM, cols: aK, batch: aB.stride),
                      b: operand(ib, vb.last, rows: bK, cols: bN, batch: bB.stride),
                      ldc: cM.size > 1 ? cM.stride : bN.size, cBatchStride: cB.stride)
    } else if cM.size == 1 || cM.stride == 1 {
      spec = GEMMSpec(batch: cB.size, m: bN.size, n: aM.size, k: aK.size,
                      a: operand(ib, vb.last, rows: bN, cols: bK, batch: bB.stride),
                      b: operand(ia, va.last, rows: aK, cols: aM, batch: aB.stride),
                      ldc: cN.size > 1 ? cN.stride : aM.size, cBatchStride: cB.stride)
    } else {
      return nil
    }
    guard spec.ldc >= spec.n || spec.m <= 1 else { return nil }
    spec.kRun = sharedUnitRun(kernel, va.last.strides, vb.last.strides, cls)
    return gemmKernel(kernel, spec)
  }

  /// A GEMM operand: input `input` read through view `v`, rows and columns as strides or offset tables.
  private static func operand(_ input: Int, _ v: View, rows: OperandAxis, cols: OperandAxis, batch: Int) -> GEMMSpec.Operand {
    .init(input: input, offset: v.offset, rowStride: rows.stride, colStride: cols.stride, batchStride: batch,
          rowOffsets: rows.offsets, colOffsets: cols.offsets)
  }

  /// How many consecutive K indices (innermost K axes first) both operands read one float apart: the
  /// runs a dot product walks as vectors. 1 when the innermost K axis is not unit-stride in both.
  static func sharedUnitRun(_ kernel: Kernel, _ aStrides: [Int], _ bStrides: [Int], _ classes: [AxisClass?]) -> Int {
    var run = 1
    for d in kernel.shape.indices.reversed() where classes[d] == .k {
      guard aStrides[d] == run, bStrides[d] == run else { break }
      run *= kernel.shape[d]
    }
    return run
  }

  /// `kernel` run as the GEMM `spec`.
  private static func gemmKernel(_ kernel: Kernel, _ spec: GEMMSpec) -> Kernel {
    var k = kernel
    k.kind = .gemm
    k.gemm = spec
    return k
  }

  /// The GEMM writing C through offset tables for its rows and columns (A = `ia`, B = `ib`); the batch axes
  /// must still collapse for both operands and the output.
  private static func matchWithOutputTables(_ kernel: Kernel, _ ia: Int, _ ib: Int, _ cls: [AxisClass?],
                                            _ outStrides: [Int]) -> Kernel? {
    let va = kernel.inputs[ia].st.last, vb = kernel.inputs[ib].st.last
    func strides(_ s: [Int], _ c: AxisClass) -> (size: Int, stride: Int)? { collapse(kernel.shape, s, cls, c) }
    func operandAxis(_ s: [Int], _ c: AxisClass) -> OperandAxis? { axis(kernel.shape, s, cls, c) }
    guard let aB = strides(va.strides, .batch), let aM = operandAxis(va.strides, .m), let aK = operandAxis(va.strides, .k),
          let bB = strides(vb.strides, .batch), let bN = operandAxis(vb.strides, .n), let bK = operandAxis(vb.strides, .k),
          let cB = strides(outStrides, .batch), let cM = operandAxis(outStrides, .m), let cN = operandAxis(outStrides, .n),
          strides(va.strides, .n)?.stride ?? 0 == 0, strides(vb.strides, .m)?.stride ?? 0 == 0
    else { return nil }
    let unitColumns = cN.offsets == nil && (cN.size == 1 || cN.stride == 1)
    var spec = GEMMSpec(batch: cB.size, m: aM.size, n: bN.size, k: aK.size,
                        a: operand(ia, va, rows: aM, cols: aK, batch: aB.stride),
                        b: operand(ib, vb, rows: bK, cols: bN, batch: bB.stride),
                        ldc: cM.offsets == nil && cM.size > 1 ? cM.stride : bN.size, cBatchStride: cB.stride)
    spec.cRowOffsets = cM.offsets ?? (unitColumns ? nil : (0..<cM.size).map { $0 * cM.stride })
    spec.cColOffsets = unitColumns ? nil : cN.offsets ?? (0..<cN.size).map { $0 * cN.stride }
    if spec.cRowOffsets == nil && spec.cColOffsets == nil && spec.ldc < spec.n && spec.m > 1 { return nil }
    spec.kRun = sharedUnitRun(kernel, va.strides, vb.strides, cls)
    return gemmKernel(kernel, spec)
  }

  /// Per kernel axis, the strides of an output laid out class by class (batch, m, n), for a GEMM whose real
  /// output interleaves the classes; returns the strides and the element count.
  static func classOrderedOutput(_ kernel: Kernel, classes: [AxisClass?]) -> [Int] {
    let axes = kernel.shape.indices.filter { classes[$0] != nil && classes[$0] != .k }
      .sorted { (classes[$0]!, $0) < (classes[$1]!, $1) }
    var strides = [Int](repeating: 0, count: kernel.shape.count)
    var acc = 1
    for d in axes.reversed() {
      strides[d] = acc
      acc *= kernel.shape[d]
    }
    return strides
  }

  /// The inputs of `g` read through offset tables that the GEMM would pack more than once: A once per
  /// column chunk of C and per batch entry when A is broadcast, B once per row tile unless packed once and
  /// shared. A copy laid out for contiguous packing costs less than gathering them again.
  static func repackedIndexedOperands(_ g: GEMMSpec) -> [Int] {
    let plan = GEMMPlan(batch: g.batch, m: g.m, n: g.n, k: g.k, bMatrices: g.b.batchStride == 0 ? 1 : g.batch,
                        bRowMajor: g.b.isRowMajor, blocking: .forThreads(Runtime.threads))
    let nr = F32GEMMTile.cols, mr = F32GEMMTile.rows
    let tileCols = (plan.panelsN + plan.nTiles - 1) / plan.nTiles * nr
    let tileRows = Swift.min(g.m, (plan.panelsM + plan.mTiles - 1) / plan.mTiles * mr)
    let chunks = (tileCols + plan.chunkCols(rows: tileRows) - 1) / plan.chunkCols(rows: tileRows)
    var inputs: [Int] = []
    if g.a.rowOffsets != nil || g.a.colOffsets != nil,
       plan.nTiles * chunks > 1 || (g.a.batchStride == 0 && g.batch > 1) {
      inputs.append(g.a.input)
    }
    if g.b.rowOffsets != nil || g.b.colOffsets != nil, !plan.sharesB,
       plan.mTiles > 1 || (g.b.batchStride == 0 && g.batch > 1) {
      inputs.append(g.b.input)
    }
    return inputs
  }

  /// An operand's rows or columns: one stride, or a table of offsets when its axes do not collapse.
  struct OperandAxis {
    var size: Int
    var stride: Int
    var offsets: [Int]?
  }

  /// Most entries an offset table may have (8 MiB of offsets); larger operands are copied instead.
  static let maxOffsetTable = 1 << 20

  /// The axes of class `c` as one stride when they collapse, else as a table of per-index offsets (kernel
  /// order, last axis fastest); nil when the table would be too large.
  static func axis(_ shape: [Int], _ strides: [Int], _ classes: [AxisClass?], _ c: AxisClass) -> OperandAxis? {
    if let run = collapse(shape, strides, classes, c) { return OperandAxis(size: run.size, stride: run.stride, offsets: nil) }
    let axes = shape.indices.filter { classes[$0] == c }
    let sizes = axes.map { shape[$0] }, steps = axes.map { strides[$0] }
    let size = sizes.reduce(1, *)
    guard size <= maxOffsetTable else { return nil }
    let offsets = offsetTables.value(for: OffsetTableKey(sizes: sizes, strides: steps)) {
      [Int](unsafeUninitializedCapacity: size) { buffer, count in
        StridedWalk.forEach(shape: sizes, strides: steps) { p, o, _ in buffer[p] = o }
        count = size
      }
    }
    return OperandAxis(size: size, stride: 0, offsets: offsets)
  }

  /// What an offset table depends on: the sizes and strides of its axes.
  private struct OffsetTableKey: Hashable {
    var sizes: [Int]
    var strides: [Int]
  }

  /// Offset tables already built: a training loop schedules the same products every step.
  private static let offsetTables = BoundedCache<OffsetTableKey, [Int]>(capacity: 256)

  /// Collapses the axes of class `c` into one (size, stride) for the given strides; nil when they do not form
  /// one run. A class with no axes is (1, 0).
  static func collapse(_ shape: [Int], _ strides: [Int], _ classes: [AxisClass?], _ c: AxisClass) -> (size: Int, stride: Int)? {
    let axes = shape.indices.filter { classes[$0] == c }
    guard let last = axes.last else { return (1, 0) }
    var size = shape[last]
    let stride = strides[last]
    for d in axes.dropLast().reversed() {
      guard strides[d] == stride * size else { return nil }
      size *= shape[d]
    }
    return (size, stride)
  }
}
