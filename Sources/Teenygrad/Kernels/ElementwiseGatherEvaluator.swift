/// Runs elementwise, copy and reduce kernels whose innermost contiguous run is short (window ops, small
/// trailing axes), and elementwise kernels that read through several views.
///
/// The output is flattened into lanes and cut into chunks of ``ElementwiseProgram/chunk`` lanes. The trailing
/// output axes form a *block* of at most ``maxBlock`` lanes. A single-view input's offset is the sum of an outer
/// part (axes before the block) and a block part, and so is its padding mask, so the block parts are tabulated
/// once per kernel: a chunk's offsets then cost one add per lane and one outer step per block row. Each reduce
/// step (one combination of reduce indices) adds one constant per input, gathers, and runs the SIMD program.
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
  let inputs: [(base: UnsafeRawPointer, dtype: DType)]
  let output: UnsafeMutableRawPointer
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
  let tables: Tables
  let chunk = ElementwiseProgram.chunk

  /// Per input, the single view's geometry split into outer, block and reduce parts.
  struct ViewParts {
    var offset: Int
    var outerStrides: [Int]
    var outerMask: [Range<Int>]?
    var redStrides: [Int]
    var redMask: [Range<Int>]?
  }

  /// Block offset tables (one per single-view input) and multi-view indexers; owns their memory.
  ///
  /// A block table never holds padding: a lane its view masks out gets the offset of a lane it keeps, so every
  /// gather is a plain load, and a lane mask (all ones where kept, zero where masked) clears those lanes after.
  final class Tables: @unchecked Sendable {
    let block: [UnsafeMutablePointer<Int>?]
    /// Per input, the lane mask when its view masks out some block lanes (nil when it keeps them all).
    let laneMask: [UnsafeMutablePointer<UInt32>?]
    /// Per input, whether its view masks out every block lane: the input reads as zeros.
    let allPadded: [Bool]
    let parts: [ViewParts?]
    let indexers: [GeneralIndexer?]
    /// Per input, whether its block part is the lane itself (unit stride, no padding): each block row is one
    /// contiguous run, loaded with a copy instead of a gather.
    let rowContiguous: [Bool]

    init(block: [UnsafeMutablePointer<Int>?], parts: [ViewParts?], indexers: [GeneralIndexer?], blockSize: Int) {
      var masks: [UnsafeMutablePointer<UInt32>?] = []
      var padded: [Bool] = []
      for table in block {
        guard let table, let keep = (0..<blockSize).first(where: { !GatherEvaluator.isPadding(table[$0]) }) else {
          masks.append(nil); padded.append(table != nil); continue
        }
        padded.append(false)
        guard (0..<blockSize).contains(where: { GatherEvaluator.isPadding(table[$0]) }) else { masks.append(nil); continue }
        let mask = UnsafeMutablePointer<UInt32>.allocate(capacity: blockSize)
        for p in 0..<blockSize {
          let kept = !GatherEvaluator.isPadding(table[p])
          mask[p] = kept ? .max : 0
          if !kept { table[p] = table[keep] }
        }
        masks.append(mask)
      }
      self.block = block
      laneMask = masks
      allPadded = padded
      self.parts = parts
      self.indexers = indexers
      rowContiguous = block.indices.map { i in
        guard let table = block[i], masks[i] == nil, !padded[i] else { return false }
        for p in 0..<blockSize where table[p] != p { return false }
        return true
      }
    }

    deinit {
      for b in block { b?.deallocate() }
      for m in laneMask { m?.deallocate() }
    }
  }

  init(kernel: Kernel, buffers: [Buffer]) {
    program = ElementwiseProgram(kernel.expr)
    reduceOp = kernel.reduceOp
    inputs = kernel.inputs.map { (UnsafeRawPointer(buffers[$0.buffer].raw), $0.dtype) }
    output = buffers[kernel.output].raw
    outputDType = kernel.outputDType
    kernelRank = kernel.shape.count
    let axes = kernel.shape.indices.filter { !kernel.reduceAxes.contains($0) && kernel.shape[$0] != 1 }
    outAxes = axes
    outShape = axes.map { kernel.shape[$0] }
    redAxes = kernel.reduceAxes.filter { kernel.shape[$0] != 1 }
    redShape = redAxes.map { kernel.shape[$0] }
    outCount = outShape.reduce(1, *)
    comboCount = redShape.reduce(1, *)
    let blockRank = Self.blockRank(outShape)
    outerRank = outShape.count - blockRank
    let blockShape = Array(outShape[outerRank...])
    let block = blockShape.reduce(1, *)
    blockSize = block
    let outer = outerRank
    let redAxes = redAxes
    var tableList: [UnsafeMutablePointer<Int>?] = []
    var partList: [ViewParts?] = []
    var indexerList: [GeneralIndexer?] = []
    for input in kernel.inputs {
      guard input.st.isSingleView else {
        tableList.append(nil); partList.append(nil); indexerList.append(GeneralIndexer(input.st))
        continue
      }
      let v = input.st.views[0]
      let blockAxes = Array(axes[outer...])
      tableList.append(Self.blockTable(v, axes: blockAxes, shape: blockShape, count: block))
      // Axes of size 1 are not iterated: where the mask excludes their one index, every lane is padding.
      let padded = v.mask.map { m in kernel.shape.indices.contains { kernel.shape[$0] == 1 && !m[$0].contains(0) } } ?? false
      partList.append(ViewParts(offset: padded ? Self.padding : v.offset,
                                outerStrides: axes[..<outer].map { v.strides[$0] },
                                outerMask: v.mask.map { m in axes[..<outer].map { m[$0] } },
                                redStrides: redAxes.map { v.strides[$0] },
                                redMask: v.mask.map { m in redAxes.map { m[$0] } }))
      indexerList.append(nil)
    }
    tables = Tables(block: tableList, parts: partList, indexers: indexerList, blockSize: block)
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

  /// Per block lane, the view's offset over the block axes, or ``padding`` where the view's mask excludes it.
  private static func blockTable(_ v: View, axes: [Int], shape: [Int], count: Int) -> UnsafeMutablePointer<Int> {
    let table = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, count))
    let strides = axes.map { v.strides[$0] }
    let mask = v.mask.map { m in axes.map { m[$0] } }
    var idx = [Int](repeating: 0, count: shape.count)
    var o = 0
    for p in 0..<count {
      var valid = true
      if let mask { for d in shape.indices where !mask[d].contains(idx[d]) { valid = false; break } }
      table[p] = valid ? o : padding
      var d = shape.count - 1
      while d >= 0 {
        idx[d] += 1
        o += strides[d]
        if idx[d] < shape[d] { break }
        o -= strides[d] * shape[d]
        idx[d] = 0
        d -= 1
      }
    }
    return table
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
    let general = tables.indexers.filter { $0 != nil }.count
    return Swift.max(1, comboCount * chunk * (program.instructions.count + 2 * inputs.count + 12 * general))
  }

  /// A run of a chunk's lanes within one block row: lanes `lane ..< lane + count` are block positions
  /// `position ..< position + count`.
  struct Segment {
    var lane: Int
    var count: Int
    var position: Int
  }

  func run(units: Range<Int>) {
    let segmentCapacity = chunk + 1
    let regs = UnsafeMutablePointer<Float>.allocate(capacity: (program.registerCount + 1) * chunk)
    let segments = UnsafeMutablePointer<Segment>.allocate(capacity: segmentCapacity)
    let rowBases = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, inputs.count) * segmentCapacity)
    let offs = UnsafeMutablePointer<Int>.allocate(capacity: chunk)
    let kidx = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, kernelRank))
    let outer = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, outerRank))
    defer { regs.deallocate(); segments.deallocate(); rowBases.deallocate(); offs.deallocate(); kidx.deallocate(); outer.deallocate() }
    let acc = regs + program.registerCount * chunk
    var ridx = [Int](repeating: 0, count: redShape.count)
    var comboOffsets = [Int](repeating: 0, count: inputs.count)
    for unit in units {
      let u0 = unit * chunk
      let n = Swift.min(chunk, outCount - u0)
      let rows = RowSegments(start: segments, count: fillSegments(u0, n, outer, segments, rowBases, segmentCapacity),
                             bases: rowBases, capacity: segmentCapacity)
      if reduceOp != nil { ElementwiseOps.fill(acc, reduceOp == .max ? -.infinity : 0, n) }
      for combo in 0..<comboCount {
        var rest = combo
        for d in redShape.indices.reversed() { ridx[d] = rest % redShape[d]; rest /= redShape[d] }
        for i in inputs.indices {
          guard let parts = tables.parts[i] else { continue }
          var o = 0
          for d in redShape.indices {
            o += ridx[d] * parts.redStrides[d]
            if let m = parts.redMask, !m[d].contains(ridx[d]) { o = Self.padding; break }
          }
          comboOffsets[i] = o
        }
        let direct = reduceOp == nil && outputDType == .float32 && n & 7 == 0
          ? output.assumingMemoryBound(to: Float.self) + u0 : nil
        let result = evaluate(u0, n, rows, offs, comboOffsets, ridx, kidx, regs, out: direct)
        switch reduceOp {
        case nil: if result != direct { store(result, u0, n) }
        case .sum?: ReduceChunk.accumulateSum(acc, result, n)
        case .max?: ReduceChunk.accumulateMax(acc, result, n)
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
    var row = u0 / blockSize
    for d in (0..<outerRank).reversed() { outer[d] = row % outShape[d]; row /= outShape[d] }
    var p = u0 % blockSize
    var lane = 0
    var count = 0
    while lane < n {
      let length = Swift.min(blockSize - p, n - lane)
      segments[count] = Segment(lane: lane, count: length, position: p)
      for i in inputs.indices {
        guard let parts = tables.parts[i] else { continue }
        var base = parts.offset
        for d in 0..<outerRank { base &+= outer[d] &* parts.outerStrides[d] }
        if let m = parts.outerMask {
          for d in 0..<outerRank where !m[d].contains(outer[d]) { base = Self.padding; break }
        }
        bases[i * capacity + count] = base
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

  private func evaluate(_ u0: Int, _ n: Int, _ rows: RowSegments, _ offs: UnsafeMutablePointer<Int>, _ comboOffsets: [Int],
                        _ ridx: [Int], _ kidx: UnsafeMutablePointer<Int>, _ regs: UnsafeMutablePointer<Float>,
                        out: UnsafeMutablePointer<Float>?) -> UnsafeMutablePointer<Float> {
    program.execute(regs, n, out: out) { input, r in
      let (base, dtype) = inputs[input]
      if let indexer = tables.indexers[input] {
        loadGeneral(indexer, base, dtype, u0, n, ridx, kidx, offs, r)
        return nil
      }
      let add = comboOffsets[input]
      guard !Self.isPadding(add), !tables.allPadded[input] else { ElementwiseOps.fill(r, 0, n); return nil }
      let bases = rows.bases(input)
      if dtype == .float32 && tables.rowContiguous[input] {
        let f = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Float.self)) + add
        // Whole SIMD vectors of one valid row are read in place.
        if n & 7 == 0 && rows.count == 1 && !Self.isPadding(bases[0]) { return f + bases[0] + rows.start[0].position }
        for s in 0..<rows.count {
          let seg = rows.start[s], b = bases[s]
          if Self.isPadding(b) { (r + seg.lane).update(repeating: 0, count: seg.count) } else {
            (r + seg.lane).update(from: f + b + seg.position, count: seg.count)
          }
        }
        return nil
      }
      let table = tables.block[input]!
      for s in 0..<rows.count {
        let seg = rows.start[s], b = bases[s]
        let dst = r + seg.lane, t = table + seg.position
        if Self.isPadding(b) { dst.update(repeating: 0, count: seg.count); continue }
        if dtype == .float32 {
          let f = base.assumingMemoryBound(to: Float.self) + add + b
          for q in 0..<seg.count { dst[q] = f[t[q]] }
        } else {
          for q in 0..<seg.count { dst[q] = ElementIO.load(base, dtype, add + b + t[q]) }
        }
      }
      if let mask = tables.laneMask[input] {
        for s in 0..<rows.count {
          let seg = rows.start[s]
          let bits = UnsafeMutableRawPointer(r + seg.lane).assumingMemoryBound(to: UInt32.self), m = mask + seg.position
          for q in 0..<seg.count { bits[q] &= m[q] }
        }
      }
      return nil
    }
  }

  /// Lanes of a multi-view input: the indexer walks the lanes' kernel indices through the views.
  private func loadGeneral(_ indexer: GeneralIndexer, _ base: UnsafeRawPointer, _ dtype: DType, _ u0: Int, _ n: Int,
                           _ ridx: [Int], _ kidx: UnsafeMutablePointer<Int>, _ offs: UnsafeMutablePointer<Int>,
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
