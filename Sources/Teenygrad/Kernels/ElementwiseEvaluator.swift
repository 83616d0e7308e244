/// Runs elementwise, copy and reduce kernels tile by tile over an ``IterationPlan``.
///
/// A tile is a range of *units*: one unit is an output row (every output dim but the innermost) times one
/// chunk of the innermost dim when that dim is an output dim. Reduction axes are never split across units,
/// so every output element is computed by exactly one tile, in the same order at any thread count.
struct ElementwiseEvaluator: @unchecked Sendable {
  let plan: IterationPlan
  let program: ElementwiseProgram
  let reduceOp: ReduceOp?
  private(set) var inputs: [(base: UnsafeRawPointer, dtype: DType)]
  let indexers: [GeneralIndexer?]
  private(set) var output: UnsafeMutableRawPointer
  let outputDType: DType

  let rank: Int
  let innerLen: Int
  let innerIsReduce: Bool
  /// Dims 0..<outerOutCount are output dims; then reduce dims up to rank - 1.
  let outerOutCount: Int
  let outerRows: Int
  let reduceCombos: Int
  let blocksPerRow: Int
  var chunk: Int { ElementwiseProgram.chunk }
  /// Output columns of one unit when the innermost dim is an output dim: a register chunk, or wider for a
  /// direct strided reduce, whose input rows then stream in longer runs.
  let blockWidth: Int
  /// Set when the reduced values are one float32 input read straight from memory (see ``DirectReduce``).
  let directReduce: DirectReduce?
  /// Each input's strided access (``IterationPlan/Access``) as flat tables of plain numbers, so that the
  /// per-row work copies no reference-counted array. Per input: whether it is single-view, its offset, its
  /// innermost stride and mask; per input and outer dim (0 ..< rank - 1, `input * (rank - 1) + dim`): stride
  /// and valid range (the whole Int range when unmasked).
  private let isStrided: [Bool]
  private let accessOffsets: [Int]
  private let innerStrides: [Int]
  private let innerMasks: [Range<Int>?]
  private let outerStrides: [Int]
  private let outerMasks: [Range<Int>]

  /// The evaluator of `kernel` over `plan` with no memory bound (its inputs and output point nowhere): what the
  /// kernel alone decides, made once when the kernel is scheduled (``KernelRoute``).
  init(layout kernel: Kernel, plan: IterationPlan) {
    self.plan = plan
    program = ElementwiseProgram.compiled(kernel.expr)
    reduceOp = kernel.reduceOp
    inputs = kernel.inputs.map { (UnsafeRawPointer(UnboundMemory.pointer), $0.dtype) }
    indexers = kernel.inputs.map { $0.st.isSingleView ? nil : GeneralIndexer($0.st) }
    output = UnboundMemory.pointer
    outputDType = kernel.outputDType
    rank = plan.shape.count
    innerLen = plan.shape[rank - 1]
    innerIsReduce = plan.reduce[rank - 1]
    outerOutCount = plan.reduce.dropLast().filter { !$0 }.count
    outerRows = plan.shape[0..<outerOutCount].reduce(1, *)
    reduceCombos = plan.shape[outerOutCount..<(rank - 1)].reduce(1, *)
    directReduce = DirectReduce(program: program, reduceOp: reduceOp, plan: plan,
                                inputDTypes: kernel.inputs.map(\.dtype), outerOutCount: outerOutCount)
    blockWidth = directReduce == nil ? ElementwiseProgram.chunk : DirectReduce.stridedBlockWidth
    let outerDims = rank - 1
    var strided: [Bool] = [], offsets: [Int] = [], inner: [Int] = [], innerMask: [Range<Int>?] = []
    var outer: [Int] = [], outerMask: [Range<Int>] = []
    let everywhere = Int.min..<Int.max
    for access in plan.access {
      // An input read through several views gets zeros here; the hot loops never read them.
      var (single, offset, mask): (Bool, Int, [Range<Int>]?) = (false, 0, nil)
      var strides = [Int](repeating: 0, count: rank)
      if case .strided(let o, let s, let m) = access { (single, offset, strides, mask) = (true, o, s, m) }
      strided.append(single)
      offsets.append(offset)
      inner.append(strides[outerDims])
      innerMask.append(mask?[outerDims])
      outer += strides.prefix(outerDims)
      outerMask += mask.map { Array($0.prefix(outerDims)) } ?? Array(repeating: everywhere, count: outerDims)
    }
    (isStrided, accessOffsets, innerStrides, innerMasks, outerStrides, outerMasks) = (strided, offsets, inner, innerMask,
                                                                                    outer, outerMask)
    blocksPerRow = innerIsReduce ? 1 : (innerLen + blockWidth - 1) / blockWidth
  }

  /// The evaluator `layout` (made by ``init(layout:plan:)`` for `kernel`) over `buffers`.
  init(_ layout: ElementwiseEvaluator, kernel: Kernel, buffers: [Buffer]) {
    self = layout
    inputs = kernel.inputs.map { (UnsafeRawPointer(buffers[$0.buffer].raw), $0.dtype) }
    output = buffers[kernel.output].raw
  }

  var unitCount: Int { outerRows * blocksPerRow }

  /// Work of one unit in lane-ops, for the tiler.
  var unitCost: Int {
    let lanes = innerIsReduce ? innerLen : Swift.min(innerLen, blockWidth)
    // Loads through several views cost about as much as a dozen ALU ops per element.
    let perLane = program.instructions.count + 12 * indexers.filter { $0 != nil }.count
    return Swift.max(1, reduceCombos * lanes * Swift.max(1, perLane))
  }

  /// Whether results go straight into the output (float32, unit stride) rather than through a register.
  var directStore: Bool { outputDType == .float32 && plan.outStrides[rank - 1] == 1 }

  /// Floats of scratch one worker needs.
  var scratchFloats: Int { program.registerCount * chunk + Swift.max(chunk, blockWidth) }

  func run(units: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
    var idx = [Int](repeating: 0, count: rank)
    var kernelIdx = [Int](repeating: 0, count: plan.kernelRank)
    var rowOffsets = [Int](repeating: 0, count: inputs.count)
    var rowValid = [Bool](repeating: true, count: inputs.count)
    let acc = scratch + program.registerCount * chunk
    for unit in units {
      let row = unit / blocksPerRow
      let block = unit % blocksPerRow
      unravel(row, into: &idx, dims: 0..<outerOutCount)
      var outOffset = 0
      for d in 0..<outerOutCount { outOffset += idx[d] * plan.outStrides[d] }
      let j0 = innerIsReduce ? 0 : block * blockWidth
      let width = innerIsReduce ? innerLen : Swift.min(blockWidth, innerLen - j0)
      var scalarAcc: Double = reduceOp == .max ? -.infinity : 0
      var maxAcc: Float = -.infinity
      if reduceOp != nil && !innerIsReduce { ElementwiseOps.fill(acc, reduceOp == .max ? -.infinity : 0, width) }
      if let direct = directReduce {
        // The reduced values are one float32 input in memory: the micro-kernels read it in place.
        for combo in 0..<(innerIsReduce ? reduceCombos : 1) {
          unravel(combo, into: &idx, dims: outerOutCount..<(rank - 1))
          computeRowOffsets(idx, &rowOffsets, &rowValid)
          let src = inputs[direct.input].base.assumingMemoryBound(to: Float.self) + rowOffsets[direct.input] + j0
          switch (innerIsReduce, reduceOp == .max) {
          case (true, true): maxAcc = ReduceChunk.combineMax(maxAcc, f32_reduce_max_avx2(src, count: innerLen))
          case (true, false): scalarAcc += Double(f32_reduce_sum_avx2(src, count: innerLen))
          case (false, true):
            f32_reduce_max_strided_avx2(src, rows: reduceCombos, rowStride: direct.rowStride, cols: width, out: acc)
          case (false, false):
            f32_reduce_sum_strided_avx2(src, rows: reduceCombos, rowStride: direct.rowStride, cols: width, out: acc)
          }
        }
      }
      for combo in 0..<(directReduce == nil ? reduceCombos : 0) {
        unravel(combo, into: &idx, dims: outerOutCount..<(rank - 1))
        computeRowOffsets(idx, &rowOffsets, &rowValid)
        var j = j0
        while j < j0 + width {
          let n = Swift.min(chunk, j0 + width - j)
          let outAt = outOffset + j * plan.outStrides[rank - 1]
          let direct = reduceOp == nil && directStore && n & 7 == 0 ? output.assumingMemoryBound(to: Float.self) + outAt : nil
          let result = withUnsafePointer(to: self) { me in
            Self.evaluate(me, idx: &idx, kernelIdx: &kernelIdx, rowOffsets, rowValid, j, n, scratch, out: direct)
          }
          switch reduceOp {
          case nil:
            if result != direct { store(result, at: outAt, stride: plan.outStrides[rank - 1], n) }
          case .sum?:
            if innerIsReduce { scalarAcc += Double(f32_reduce_sum_avx2(result, count: n)) } else { ReduceChunk.accumulateSum(acc, result, n) }
          case .max?:
            if innerIsReduce { maxAcc = ReduceChunk.combineMax(maxAcc, f32_reduce_max_avx2(result, count: n)) } else { ReduceChunk.accumulateMax(acc, result, n) }
          }
          j += n
        }
      }
      switch reduceOp {
      case nil: break
      case .sum?:
        if innerIsReduce { ElementIO.store(output, outputDType, outOffset, Float(scalarAcc)) }
        else { store(acc, at: outOffset + j0 * plan.outStrides[rank - 1], stride: plan.outStrides[rank - 1], width) }
      case .max?:
        if innerIsReduce { ElementIO.store(output, outputDType, outOffset, maxAcc) }
        else { store(acc, at: outOffset + j0 * plan.outStrides[rank - 1], stride: plan.outStrides[rank - 1], width) }
      }
    }
  }

  @inline(__always)
  private func unravel(_ flat: Int, into idx: inout [Int], dims: Range<Int>) {
    var rest = flat
    for d in dims.reversed() {
      idx[d] = rest % plan.shape[d]
      rest /= plan.shape[d]
    }
  }

  private func computeRowOffsets(_ idx: [Int], _ offsets: inout [Int], _ valid: inout [Bool]) {
    let outerDims = rank - 1
    for i in inputs.indices where isStrided[i] {
      var o = accessOffsets[i]
      var ok = true
      let first = i &* outerDims
      for d in 0..<outerDims {
        o &+= idx[d] &* outerStrides[first &+ d]
        if !outerMasks[first &+ d].contains(idx[d]) { ok = false }
      }
      offsets[i] = o
      valid[i] = ok
    }
  }

  /// One chunk of `n` lanes from lane `j` of the current row. Static, with the evaluator behind a pointer,
  /// so that the load closure captures no copy of it: copying retains every array it holds, and tiles on
  /// two cores then pass those reference counts back and forth once per chunk (a 16K-float multiply took
  /// 54 us on two threads against 10.5 us on one).
  private static func evaluate(_ me: UnsafePointer<ElementwiseEvaluator>, idx: inout [Int], kernelIdx: inout [Int],
                               _ rowOffsets: [Int], _ rowValid: [Bool], _ j: Int, _ n: Int,
                               _ regs: UnsafeMutablePointer<Float>,
                               out: UnsafeMutablePointer<Float>? = nil) -> UnsafeMutablePointer<Float> {
    me.pointee.program.execute(regs, n, out: out) { input, r in
      guard me.pointee.isStrided[input] else {
        me.pointee.loadGeneral(input, me.pointee.indexers[input]!, &idx, &kernelIdx, j, n, r)
        return nil
      }
      let stride = me.pointee.innerStrides[input], mask = me.pointee.innerMasks[input]
      // A whole unit-stride float32 run (full SIMD vectors only, so nothing past it is read) stays in place.
      if n & 7 == 0, rowValid[input], stride == 1, me.pointee.inputs[input].dtype == .float32,
         mask.map({ $0.lowerBound <= j && j + n <= $0.upperBound }) ?? true {
        return UnsafeMutablePointer(mutating: me.pointee.inputs[input].base.assumingMemoryBound(to: Float.self))
          + rowOffsets[input] + j
      }
      me.pointee.load(input, rowOffsets[input], rowValid[input], stride, mask, j, n, r)
      return nil
    }
  }

  @inline(__always)
  private func load(_ input: Int, _ rowOffset: Int, _ rowValid: Bool, _ stride: Int, _ innerMask: Range<Int>?,
                    _ j: Int, _ n: Int, _ dst: UnsafeMutablePointer<Float>) {
    guard rowValid else { ElementwiseOps.fill(dst, 0, n); return }
    var lo = 0, hi = n
    if let m = innerMask {
      lo = Swift.min(Swift.max(m.lowerBound - j, 0), n)
      hi = Swift.max(Swift.min(m.upperBound - j, n), lo)
      if lo > 0 { (dst).update(repeating: 0, count: lo) }
      if hi < n { (dst + hi).update(repeating: 0, count: n - hi) }
    }
    guard hi > lo else { return }
    let (base, dtype) = inputs[input]
    let start = rowOffset + (j + lo) * stride
    if dtype == .float32 {
      let src = base.assumingMemoryBound(to: Float.self) + start
      if stride == 1 {
        (dst + lo).update(from: src, count: hi - lo)
      } else if stride == 0 {
        (dst + lo).update(repeating: src.pointee, count: hi - lo)
      } else {
        for l in lo..<hi { dst[l] = src[(l - lo) * stride] }
      }
    } else {
      for l in lo..<hi { dst[l] = ElementIO.load(base, dtype, start + (l - lo) * stride) }
    }
  }

  private func loadGeneral(_ input: Int, _ indexer: GeneralIndexer, _ idx: inout [Int], _ kernelIdx: inout [Int],
                           _ j: Int, _ n: Int, _ dst: UnsafeMutablePointer<Float>) {
    for d in 0..<plan.kernelRank { kernelIdx[d] = 0 }
    for d in 0..<(rank - 1) where plan.order[d] >= 0 { kernelIdx[plan.order[d]] = idx[d] }
    let innerDim = plan.order[rank - 1]
    let (base, dtype) = inputs[input]
    kernelIdx.withUnsafeMutableBufferPointer { k in
      let p = k.baseAddress ?? UnsafeMutablePointer<Int>(bitPattern: 8)!
      if dtype == .float32 {
        let f = base.assumingMemoryBound(to: Float.self)
        for l in 0..<n {
          if innerDim >= 0 { p[innerDim] = j + l }
          let b = indexer.index(p)
          dst[l] = b >= 0 ? f[b] : 0
        }
      } else {
        for l in 0..<n {
          if innerDim >= 0 { p[innerDim] = j + l }
          let b = indexer.index(p)
          dst[l] = b >= 0 ? ElementIO.load(base, dtype, b) : 0
        }
      }
    }
  }

  @inline(__always)
  private func store(_ src: UnsafeMutablePointer<Float>, at offset: Int, stride: Int, _ n: Int) {
    if outputDType == .float32 {
      let dst = output.assumingMemoryBound(to: Float.self) + offset
      if stride == 1 { dst.update(from: src, count: n) } else { for l in 0..<n { dst[l * stride] = src[l] } }
    } else {
      for l in 0..<n { ElementIO.store(output, outputDType, offset + l * stride, src[l]) }
    }
  }
}
