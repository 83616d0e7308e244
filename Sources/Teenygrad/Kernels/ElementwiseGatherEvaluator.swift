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
  /// The offset of a padded lane: negative, and still negative after adding another part's offset.
  static let padding = -(1 << 52)
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
  final class Tables: @unchecked Sendable {
    let block: [UnsafeMutablePointer<Int>?]
    let parts: [ViewParts?]
    let indexers: [GeneralIndexer?]
    /// Per input, whether its block part is the lane itself (unit stride, no padding): each block row is one
    /// contiguous run, loaded with a copy instead of a gather.
    let rowContiguous: [Bool]

    init(block: [UnsafeMutablePointer<Int>?], parts: [ViewParts?], indexers: [GeneralIndexer?], blockSize: Int) {
      self.block = block
      self.parts = parts
      self.indexers = indexers
      rowContiguous = block.map { table in
        guard let table else { return false }
        for p in 0..<blockSize where table[p] != p { return false }
        return true
      }
    }

    deinit { for b in block { b?.deallocate() } }
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

  func run(units: Range<Int>) {
    let regs = UnsafeMutablePointer<Float>.allocate(capacity: (program.registerCount + 1) * chunk)
    let offs = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, inputs.count) * chunk)
    let kidx = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, kernelRank))
    let outer = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, outerRank))
    defer { regs.deallocate(); offs.deallocate(); kidx.deallocate(); outer.deallocate() }
    let acc = regs + program.registerCount * chunk
    var ridx = [Int](repeating: 0, count: redShape.count)
    var comboOffsets = [Int](repeating: 0, count: inputs.count)
    for unit in units {
      let u0 = unit * chunk
      let n = Swift.min(chunk, outCount - u0)
      for i in inputs.indices where tables.parts[i] != nil { fillOffsets(i, u0, n, outer, offs + i * chunk) }
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
        let result = evaluate(u0, n, offs, comboOffsets, ridx, kidx, regs, out: direct)
        switch reduceOp {
        case nil: if result != direct { store(result, u0, n) }
        case .sum?: ReduceChunk.accumulateSum(acc, result, n)
        case .max?: ReduceChunk.accumulateMax(acc, result, n)
        }
      }
      if reduceOp != nil { store(acc, u0, n) }
    }
  }

  /// Input `i`'s element offset for lanes `u0 ..< u0 + n` (negative where padded): outer part per block row
  /// plus the tabulated block part.
  private func fillOffsets(_ i: Int, _ u0: Int, _ n: Int, _ outer: UnsafeMutablePointer<Int>, _ dst: UnsafeMutablePointer<Int>) {
    let parts = tables.parts[i]!
    let table = tables.block[i]!
    let contiguous = tables.rowContiguous[i] && inputs[i].dtype == .float32
    var row = u0 / blockSize
    for d in (0..<outerRank).reversed() { outer[d] = row % outShape[d]; row /= outShape[d] }
    var p = u0 % blockSize
    var lane = 0
    while lane < n {
      var base = parts.offset
      for d in 0..<outerRank { base &+= outer[d] &* parts.outerStrides[d] }
      if let m = parts.outerMask {
        for d in 0..<outerRank where !m[d].contains(outer[d]) { base = Self.padding; break }
      }
      let count = Swift.min(blockSize - p, n - lane)
      let out = dst + lane, src = table + p
      if contiguous {
        out[0] = base &+ src[0]  // a row segment's lanes follow its first
      } else {
        for q in 0..<count { out[q] = base &+ src[q] }
      }
      lane += count
      p = 0
      var d = outerRank - 1
      while d >= 0 {
        outer[d] += 1
        if outer[d] < outShape[d] { break }
        outer[d] = 0
        d -= 1
      }
    }
  }

  private func evaluate(_ u0: Int, _ n: Int, _ offs: UnsafeMutablePointer<Int>, _ comboOffsets: [Int], _ ridx: [Int],
                        _ kidx: UnsafeMutablePointer<Int>, _ regs: UnsafeMutablePointer<Float>,
                        out: UnsafeMutablePointer<Float>?) -> UnsafeMutablePointer<Float> {
    program.execute(regs, n, out: out) { input, r in
      let (base, dtype) = inputs[input]
      if let indexer = tables.indexers[input] {
        loadGeneral(indexer, base, dtype, u0, n, ridx, kidx, offs + input * chunk, r)
        return nil
      }
      let add = comboOffsets[input]
      guard add >= 0 else { ElementwiseOps.fill(r, 0, n); return nil }
      let src = offs + input * chunk
      if dtype == .float32 && tables.rowContiguous[input] {
        let f = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Float.self)) + add
        // Whole SIMD vectors of one valid row are read in place.
        if n & 7 == 0 && u0 % blockSize + n <= blockSize && src[0] >= 0 { return f + src[0] }
        loadRows(f, src, u0, n, r)
        return nil
      }
      if dtype == .float32 {
        let f = base.assumingMemoryBound(to: Float.self) + add
        for l in 0..<n { let o = src[l]; r[l] = o >= 0 ? f[o] : 0 }
      } else {
        for l in 0..<n { let o = src[l]; r[l] = o >= 0 ? ElementIO.load(base, dtype, o + add) : 0 }
      }
      return nil
    }
  }

  /// Lanes of an input whose block rows are contiguous: one copy per row segment (zeros for a padded row).
  private func loadRows(_ f: UnsafePointer<Float>, _ offs: UnsafeMutablePointer<Int>, _ u0: Int, _ n: Int,
                        _ dst: UnsafeMutablePointer<Float>) {
    var l = 0
    var p = u0 % blockSize
    while l < n {
      let count = Swift.min(blockSize - p, n - l)
      let o = offs[l]
      if o >= 0 { (dst + l).update(from: f + o, count: count) } else { (dst + l).update(repeating: 0, count: count) }
      l += count
      p = 0
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
