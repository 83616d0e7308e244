/// Runs elementwise, copy and reduce kernels whose innermost contiguous run is short (window ops, small
/// trailing axes), and elementwise kernels that read through several views.
///
/// The output is flattened into lanes and cut into chunks of ``chunk`` lanes. The trailing
/// output axes form a *block* of at most ``maxBlock`` lanes. A single-view input's offset is the sum of an outer
/// part (axes before the block) and a block part, and so is its padding mask, so the block parts are tabulated
/// once (``BlockTable``, shared by every kernel reading such a view): a chunk's offsets then cost one outer
/// step per block row, and block rows that follow a pattern load as SIMD (``RowLoad``). Each reduce step (one
/// combination of reduce indices) adds one constant per input, loads, and runs the SIMD program.
/// Inputs with several views are indexed through a ``GeneralIndexer`` lane by lane.
///
/// A unit is one chunk; reductions are never split, so results are the same at any thread count.
struct GatherEvaluator: @unchecked Sendable {
  /// The most lanes a block table holds.
  static let maxBlock = 4096
  /// The offset of a padded lane: far below any real offset, and still so after adding other parts' offsets.
  static let padding = -(1 << 52)
  /// Whether an offset (a sum of parts) is padding. Real partial offsets may be negative (flipped axes), but
  /// never by more than a buffer's size.
  @inline(__always) static func isPadding(_ offset: Int) -> Bool { offset < padding / 2 }
  /// Fewest outputs a reduce needs for its lanes to fill SIMD registers usefully here.
  static let minReduceLanes = 64

  let program: ElementwiseProgram
  let reduceOp: ReduceOp?
  let inputCount: Int
  private(set) var output: UnsafeMutableRawPointer
  let outputDType: DType
  /// Output axes of size > 1 as kernel axes, in kernel order; the last `blockAxes.count` form the block.
  let outAxes: [Int]
  let outShape: [Int]
  let outerRank: Int
  let blockSize: Int
  let redShape: [Int]
  let outCount: Int
  let comboCount: Int
  let kernelRank: Int
  let redAxes: [Int]
  let storage: Storage
  /// The input plans bound to this run's memory; nil in a layout (``init(layout:)``).
  private var bound: BoundPlans?
  /// Lanes per unit of work, as many as a block holds. Larger than the row evaluator's chunk: a chunk's fixed
  /// costs (its block-row segments, one call per op) are spread over more lanes, and with registers reused
  /// the live ones still fit in L2. TinyConvNet's pooling kernels run about 5% faster than with 2048 lanes.
  var chunk: Int { GatherEvaluator.maxBlock }

  /// Everything a chunk needs about one input, as plain values and pointers into ``Storage`` (the hot
  /// loops touch no reference-counted memory).
  struct InputPlan {
    var base: UnsafeRawPointer
    var dtype: DType
    /// The view's offset, or ``padding`` when a size-1 axis's mask excludes its one index.
    var offset: Int
    /// Per outer axis: stride, mask lower and upper bound.
    var outer: UnsafeMutablePointer<Int>
    /// Per reduce axis: stride, mask lower and upper bound.
    var reduce: UnsafeMutablePointer<Int>
    var masked: Bool
    /// Block offsets; nil for a multi-view input (read through its ``GeneralIndexer``).
    var table: UnsafeMutablePointer<Int>?
    /// Lane mask when the view masks out some block lanes.
    var laneMask: UnsafeMutablePointer<UInt32>?
    /// The view masks out every block lane: the input reads as zeros.
    var allPadded: Bool
    /// The block part of the offset is the lane itself: block rows load as copies or in place.
    var rowContiguous: Bool
    var rowLoad: RowLoad
  }

  /// Owns the input plans and their axis tables, holds their block tables, and the multi-view indexers.
  final class Storage: @unchecked Sendable {
    let plans: UnsafeMutablePointer<InputPlan>
    let indexers: [GeneralIndexer?]
    /// Per input, whether it reads the same lanes at every reduce step (no reduce axis moves it): such an
    /// input loads once per chunk.
    let reduceInvariant: [Bool]
    private var owned: [UnsafeMutableRawPointer] = []
    /// The block tables the plans point into.
    private var tables: [BlockTable] = []

    /// The plans of `kernel`'s inputs, bound to no memory yet: every run binds a copy (``BoundPlans``).
    init(kernel: Kernel, outAxes: [Int], outerRank: Int, redAxes: [Int], blockShape: [Int]) {
      plans = .allocate(capacity: Swift.max(1, kernel.inputs.count))
      var indexers: [GeneralIndexer?] = []
      for (i, input) in kernel.inputs.enumerated() {
        let outer = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, 3 * outerRank))
        let reduce = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, 3 * redAxes.count))
        owned += [UnsafeMutableRawPointer(outer), UnsafeMutableRawPointer(reduce)]
        var plan = InputPlan(base: UnboundMemory.pointer, dtype: input.dtype, offset: 0,
                             outer: outer, reduce: reduce, masked: false, table: nil, laneMask: nil,
                             allPadded: false, rowContiguous: false, rowLoad: .gather)
        guard input.st.isSingleView else {
          indexers.append(GeneralIndexer(input.st))
          plans.advanced(by: i).initialize(to: plan)
          continue
        }
        indexers.append(nil)
        let v = input.st.bufferView
        let blockAxes = Array(outAxes[outerRank...])
        // Axes of size 1 are not iterated: where the mask excludes their one index, every lane is padding.
        let padded = v.mask.map { m in kernel.shape.indices.contains { kernel.shape[$0] == 1 && !m[$0].contains(0) } } ?? false
        plan.offset = padded ? GatherEvaluator.padding : v.offset
        plan.masked = v.mask != nil
        for (d, axis) in outAxes[..<outerRank].enumerated() {
          outer[3 * d] = v.strides[axis]
          outer[3 * d + 1] = v.mask?[axis].lowerBound ?? Int.min
          outer[3 * d + 2] = v.mask?[axis].upperBound ?? Int.max
        }
        for (d, axis) in redAxes.enumerated() {
          reduce[3 * d] = v.strides[axis]
          reduce[3 * d + 1] = v.mask?[axis].lowerBound ?? Int.min
          reduce[3 * d + 2] = v.mask?[axis].upperBound ?? Int.max
        }
        let block = BlockTable.cached(shape: blockShape, strides: blockAxes.map { v.strides[$0] },
                                      mask: v.mask.map { m in blockAxes.map { m[$0] } })
        tables.append(block)
        plan.table = block.offsets
        plan.laneMask = block.laneMask
        plan.allPadded = block.allPadded
        plan.rowContiguous = block.rowContiguous
        plan.rowLoad = block.rowLoad
        plans.advanced(by: i).initialize(to: plan)
      }
      self.indexers = indexers
      let plans = self.plans
      reduceInvariant = kernel.inputs.indices.map { i in
        redAxes.count > 0 && indexers[i] == nil && (0..<redAxes.count).allSatisfy { plans[i].reduce[3 * $0] == 0 }
          && kernel.inputs[i].st.bufferView.mask.map { m in redAxes.allSatisfy { m[$0] == 0..<kernel.shape[$0] } } ?? true
      }
    }

    deinit {
      plans.deallocate()
      for p in owned { p.deallocate() }
    }
  }

  /// Everything about the evaluator that the kernel alone decides, made once when the kernel is scheduled
  /// (``KernelRoute``): an evaluator of no memory, whose input plans point nowhere until a run binds them.
  init(layout kernel: Kernel) {
    program = ElementwiseProgram.compiled(kernel.expr)
    reduceOp = kernel.reduceOp
    inputCount = kernel.inputs.count
    output = UnboundMemory.pointer
    outputDType = kernel.outputDType
    kernelRank = kernel.shape.count
    let axes = kernel.shape.indices.filter { !kernel.reduceAxes.contains($0) && kernel.shape[$0] != 1 }
    outAxes = axes
    outShape = axes.map { kernel.shape[$0] }
    redAxes = kernel.reduceAxes.filter { kernel.shape[$0] != 1 }
    redShape = redAxes.map { kernel.shape[$0] }
    outCount = outShape.reduce(1, *)
    comboCount = redShape.reduce(1, *)
    outerRank = outShape.count - Self.blockRank(outShape)
    let blockShape = Array(outShape[outerRank...])
    blockSize = blockShape.reduce(1, *)
    storage = Storage(kernel: kernel, outAxes: axes, outerRank: outerRank, redAxes: redAxes, blockShape: blockShape)
    bound = nil
  }

  /// The evaluator `layout` (made by ``init(layout:)`` for `kernel`) over `buffers`.
  init(_ layout: GatherEvaluator, kernel: Kernel, buffers: [Buffer]) {
    self = layout
    output = buffers[kernel.output].raw
    bound = BoundPlans(layout.storage.plans, count: inputCount,
                       bases: kernel.inputs.map { UnsafeRawPointer(buffers[$0.buffer].raw) })
  }

  /// A copy of the input plans with this run's memory, owned for the evaluator's lifetime: the layout's
  /// plans are shared by every run of the kernel, possibly on several threads at once, and never written.
  final class BoundPlans: @unchecked Sendable {
    let plans: UnsafeMutablePointer<InputPlan>

    init(_ template: UnsafeMutablePointer<InputPlan>, count: Int, bases: [UnsafeRawPointer]) {
      plans = .allocate(capacity: Swift.max(1, count))
      for i in 0..<count {
        var plan = template[i]
        plan.base = bases[i]
        plans.advanced(by: i).initialize(to: plan)
      }
    }

    deinit { plans.deallocate() }
  }

  /// How many trailing output axes the block takes: as many as fit in ``maxBlock`` lanes, at least one.
  static func blockRank(_ outShape: [Int]) -> Int {
    var rank = 0, size = 1
    for d in outShape.indices.reversed() {
      if rank > 0 && size * outShape[d] > maxBlock { break }
      size *= outShape[d]
      rank += 1
    }
    return rank
  }

  /// Whether this evaluator should run `kernel`: short innermost runs, or an elementwise kernel reading
  /// through several views, as long as the block fits.
  static func applies(to kernel: Kernel, plan: IterationPlan) -> Bool {
    let lastOut = kernel.shape.indices.last { !kernel.reduceAxes.contains($0) && kernel.shape[$0] != 1 }
    if let lastOut, kernel.shape[lastOut] > maxBlock { return false }
    // A reduce to a few outputs would run the program on a few lanes per reduce step: rows suit it better.
    if kernel.reduceOp != nil && kernel.outputCount < minReduceLanes { return false }
    if plan.shape[plan.shape.count - 1] < 32 { return true }
    // Without a reduce, rows shorter than a chunk cost less as chunks spanning several rows.
    guard kernel.reduceOp == nil else { return false }
    return plan.shape[plan.shape.count - 1] < ElementwiseProgram.chunk || kernel.inputs.contains { !$0.st.isSingleView }
  }

  var unitCount: Int { (outCount + chunk - 1) / chunk }
  var unitCost: Int {
    let general = storage.indexers.filter { $0 != nil }.count
    return Swift.max(1, comboCount * chunk * (program.instructions.count + 2 * inputCount + 12 * general))
  }

  /// A run of a chunk's lanes within one block row: lanes `lane ..< lane + count` are block positions
  /// `position ..< position + count`.
  struct Segment {
    var lane: Int
    var count: Int
    var position: Int
  }

  /// Inputs whose lanes load once per chunk (see ``Storage/reduceInvariant``).
  private var invariantCount: Int { storage.reduceInvariant.filter { $0 }.count }

  /// Floats of registers and reduce-invariant lanes at the start of the scratch.
  private var laneFloats: Int { (program.registerCount + 1 + invariantCount) * chunk }

  /// Ints after them: a chunk's block-row segments (three each), every input's row offsets, lane offsets.
  private var scratchInts: Int { (3 + Swift.max(1, inputCount)) * (chunk + 1) + chunk }

  /// Floats of scratch ``run(units:scratch:)`` needs (its Ints count two each).
  var scratchFloats: Int { laneFloats + 2 * scratchInts }

  /// Computes chunks `units`, with `scratch` of ``scratchFloats`` floats to itself.
  func run(units: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
    let segmentCapacity = chunk + 1
    let inputs = Swift.max(1, inputCount)
    (scratch + laneFloats).withMemoryRebound(to: Int.self, capacity: scratchInts) { ints in
      let segmentInts = 3 * segmentCapacity
      ints.withMemoryRebound(to: Segment.self, capacity: segmentCapacity) { segments in
        run(units: units, regs: scratch, invariantLanes: scratch + (program.registerCount + 1) * chunk,
            segments: segments, rowBases: ints + segmentInts, offs: ints + segmentInts + inputs * segmentCapacity)
      }
    }
  }

  private func run(units: Range<Int>, regs: UnsafeMutablePointer<Float>, invariantLanes: UnsafeMutablePointer<Float>,
                   segments: UnsafeMutablePointer<Segment>, rowBases: UnsafeMutablePointer<Int>,
                   offs: UnsafeMutablePointer<Int>) {
    let segmentCapacity = chunk + 1
    let inputs = Swift.max(1, inputCount)
    let kidx = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, kernelRank))
    let outer = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, outerRank))
    let ridx = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, redShape.count))
    let comboOffsets = UnsafeMutablePointer<Int>.allocate(capacity: inputs)
    // Per input: its buffer for invariant lanes (nil: not invariant), then where this chunk's lanes are.
    let invariant = UnsafeMutablePointer<UnsafeMutablePointer<Float>?>.allocate(capacity: 2 * inputs)
    var next = invariantLanes
    for i in 0..<inputCount {
      invariant[i] = storage.reduceInvariant[i] ? next : nil
      if storage.reduceInvariant[i] { next += chunk }
    }
    defer {
      kidx.deallocate(); outer.deallocate(); ridx.deallocate(); comboOffsets.deallocate(); invariant.deallocate()
    }
    let plans = bound!.plans
    let acc = regs + program.registerCount * chunk
    let redRank = redShape.count
    for unit in units {
      let u0 = unit * chunk
      let n = Swift.min(chunk, outCount - u0)
      let rows = RowSegments(start: segments, count: fillSegments(u0, n, outer, segments, rowBases, segmentCapacity),
                             bases: rowBases, capacity: segmentCapacity)
      if reduceOp != nil { ElementwiseOps.fill(acc, reduceOp == .max ? -.infinity : 0, n) }
      for combo in 0..<comboCount {
        var rest = combo
        for d in (0..<redRank).reversed() { ridx[d] = rest % redShape[d]; rest /= redShape[d] }
        for i in 0..<inputCount where plans[i].table != nil {
          let axes = plans[i].reduce
          var o = 0
          for d in 0..<redRank {
            let index = ridx[d]
            o &+= index &* axes[3 &* d]
            if index < axes[3 &* d &+ 1] || index >= axes[3 &* d &+ 2] { o = Self.padding; break }
          }
          comboOffsets[i] = o
        }
        let direct = reduceOp == nil && outputDType == .float32 && n & 7 == 0
          ? output.assumingMemoryBound(to: Float.self) + u0 : nil
        // A reduce's final op folds its lanes into the accumulators as it computes them.
        let result = evaluate(u0, n, rows, offs, comboOffsets, ridx, kidx, regs, out: reduceOp == nil ? direct : acc,
                              combine: reduceOp, invariant: invariant, firstStep: combo == 0)
        switch reduceOp {
        case nil: if result != direct { store(result, u0, n) }
        case .sum?: if result != acc { ReduceChunk.accumulateSum(acc, result, n) }
        case .max?: if result != acc { ReduceChunk.accumulateMax(acc, result, n) }
        }
      }
      if reduceOp != nil { store(acc, u0, n) }
    }
  }

  /// A chunk's block-row segments, and per single-view input the row part of its offset in each segment.
  struct RowSegments {
    let start: UnsafeMutablePointer<Segment>
    let count: Int
    let bases: UnsafeMutablePointer<Int>
    let capacity: Int
    func bases(_ input: Int) -> UnsafeMutablePointer<Int> { bases + input * capacity }
  }

  /// Cuts lanes `u0 ..< u0 + n` into block-row segments and computes each single-view input's row offset
  /// (``padding`` where its mask excludes the row) per segment. Returns the segment count.
  private func fillSegments(_ u0: Int, _ n: Int, _ outer: UnsafeMutablePointer<Int>, _ segments: UnsafeMutablePointer<Segment>,
                            _ bases: UnsafeMutablePointer<Int>, _ capacity: Int) -> Int {
    let plans = bound!.plans
    var row = u0 / blockSize
    for d in (0..<outerRank).reversed() { outer[d] = row % outShape[d]; row /= outShape[d] }
    var p = u0 % blockSize
    var lane = 0
    var count = 0
    while lane < n {
      let length = Swift.min(blockSize - p, n - lane)
      segments[count] = Segment(lane: lane, count: length, position: p)
      for i in 0..<inputCount where plans[i].table != nil {
        let axes = plans[i].outer
        var base = plans[i].offset
        for d in 0..<outerRank {
          let index = outer[d]
          base &+= index &* axes[3 &* d]
          if index < axes[3 &* d &+ 1] || index >= axes[3 &* d &+ 2] { base = Self.padding; break }
        }
        bases[i &* capacity &+ count] = base
      }
      count += 1
      lane += length
      p = 0
      var d = outerRank - 1
      while d >= 0 {
        outer[d] += 1
        if outer[d] < outShape[d] { break }
        outer[d] = 0
        d -= 1
      }
    }
    return count
  }

  private func evaluate(_ u0: Int, _ n: Int, _ rows: RowSegments, _ offs: UnsafeMutablePointer<Int>,
                        _ comboOffsets: UnsafeMutablePointer<Int>, _ ridx: UnsafeMutablePointer<Int>,
                        _ kidx: UnsafeMutablePointer<Int>, _ regs: UnsafeMutablePointer<Float>,
                        out: UnsafeMutablePointer<Float>?, combine: ReduceOp?,
                        invariant: UnsafeMutablePointer<UnsafeMutablePointer<Float>?>, firstStep: Bool)
    -> UnsafeMutablePointer<Float> {
    program.execute(regs, n, registerLanes: chunk, out: out, combine: combine) { input, r in
      guard let lanes = invariant[input] else { return load(input, into: r, u0, n, rows, offs, comboOffsets, ridx, kidx) }
      if firstStep {
        invariant[inputCount + input] = load(input, into: lanes, u0, n, rows, offs, comboOffsets, ridx, kidx) ?? lanes
      }
      return invariant[inputCount + input]
    }
  }

  /// Input `input`'s lanes for this chunk and reduce step: a pointer to them in memory where they are one
  /// run there, else nil after filling `r`.
  @inline(__always)
  private func load(_ input: Int, into r: UnsafeMutablePointer<Float>, _ u0: Int, _ n: Int, _ rows: RowSegments,
                    _ offs: UnsafeMutablePointer<Int>, _ comboOffsets: UnsafeMutablePointer<Int>,
                    _ ridx: UnsafeMutablePointer<Int>, _ kidx: UnsafeMutablePointer<Int>) -> UnsafeMutablePointer<Float>? {
    let plans = bound!.plans
    let plan = plans[input]
    guard let table = plan.table else {
      loadGeneral(storage.indexers[input]!, plan.base, plan.dtype, u0, n, ridx, kidx, offs, r)
      return nil
    }
    let add = comboOffsets[input]
    guard !Self.isPadding(add), !plan.allPadded else { ElementwiseOps.fill(r, 0, n); return nil }
    let bases = rows.bases(input)
    let isFloat = plan.dtype == .float32
    if isFloat && plan.rowContiguous {
      let f = UnsafeMutablePointer(mutating: plan.base.assumingMemoryBound(to: Float.self)) + add
      // Whole SIMD vectors of valid rows that follow each other in memory are read in place.
      if n & 7 == 0 && Self.rowsFollowEachOther(rows, bases) { return f + bases[0] + rows.start[0].position }
      for s in 0..<rows.count {
        let seg = rows.start[s], b = bases[s]
        if Self.isPadding(b) { (r + seg.lane).update(repeating: 0, count: seg.count) } else {
          (r + seg.lane).update(from: f + b + seg.position, count: seg.count)
        }
      }
      return nil
    }
    if isFloat && plan.rowLoad != .gather {
      let f = plan.base.assumingMemoryBound(to: Float.self) + add
      for s in 0..<rows.count {
        let seg = rows.start[s], b = bases[s]
        if Self.isPadding(b) { (r + seg.lane).update(repeating: 0, count: seg.count); continue }
        plan.rowLoad.load(f + b, table: table, position: seg.position, count: seg.count, into: r + seg.lane)
      }
      return nil
    }
    for s in 0..<rows.count {
      let seg = rows.start[s], b = bases[s]
      let dst = r + seg.lane, t = table + seg.position
      if Self.isPadding(b) { dst.update(repeating: 0, count: seg.count); continue }
      if isFloat {
        let f = plan.base.assumingMemoryBound(to: Float.self) + add + b
        for q in 0..<seg.count { dst[q] = f[t[q]] }
      } else {
        for q in 0..<seg.count { dst[q] = ElementIO.load(plan.base, plan.dtype, add + b + t[q]) }
      }
    }
    if let mask = plan.laneMask {
      for s in 0..<rows.count {
        let seg = rows.start[s]
        let bits = UnsafeMutableRawPointer(r + seg.lane).assumingMemoryBound(to: UInt32.self), m = mask + seg.position
        for q in 0..<seg.count { bits[q] &= m[q] }
      }
    }
    return nil
  }

  /// Whether a row-contiguous input's segments are all valid and each starts where the one before ends, so
  /// the chunk's lanes are one run of memory.
  private static func rowsFollowEachOther(_ rows: RowSegments, _ bases: UnsafeMutablePointer<Int>) -> Bool {
    guard !isPadding(bases[0]) else { return false }
    var end = bases[0] &+ rows.start[0].position &+ rows.start[0].count
    for s in 1..<rows.count {
      let seg = rows.start[s]
      guard !isPadding(bases[s]), bases[s] &+ seg.position == end else { return false }
      end &+= seg.count
    }
    return true
  }

  /// Lanes of a multi-view input: the indexer walks the lanes' kernel indices through the views.
  private func loadGeneral(_ indexer: GeneralIndexer, _ base: UnsafeRawPointer, _ dtype: DType, _ u0: Int, _ n: Int,
                           _ ridx: UnsafeMutablePointer<Int>, _ kidx: UnsafeMutablePointer<Int>, _ offs: UnsafeMutablePointer<Int>,
                           _ dst: UnsafeMutablePointer<Float>) {
    kidx.update(repeating: 0, count: kernelRank)
    for (d, axis) in redAxes.enumerated() { kidx[axis] = ridx[d] }
    var rest = u0
    for d in outAxes.indices.reversed() { kidx[outAxes[d]] = rest % outShape[d]; rest /= outShape[d] }
    indexer.walk(kidx, axes: outAxes, shape: outShape, count: n, into: offs)
    if dtype == .float32 {
      let f = base.assumingMemoryBound(to: Float.self)
      for l in 0..<n { let o = offs[l]; dst[l] = o >= 0 ? f[o] : 0 }
    } else {
      for l in 0..<n { let o = offs[l]; dst[l] = o >= 0 ? ElementIO.load(base, dtype, o) : 0 }
    }
  }

  private func store(_ src: UnsafeMutablePointer<Float>, _ u0: Int, _ n: Int) {
    if outputDType == .float32 {
      (output.assumingMemoryBound(to: Float.self) + u0).update(from: src, count: n)
    } else {
      for l in 0..<n { ElementIO.store(output, outputDType, u0 + l, src[l]) }
    }
  }
}
