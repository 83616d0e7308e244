/// Runs elementwise and reduce kernels whose innermost contiguous run is short (window ops, small trailing
/// axes): a chunk spans many output rows, and every load gathers through per-element offsets that an odometer
/// over the output axes computes once per chunk. Each reduce step (one combination of reduce indices) then
/// costs one gather per input plus the SIMD program.
///
/// A unit is one chunk of the flattened output; reductions are never split, so results are the same at any
/// thread count. Requires every input to be a single view.
struct GatherEvaluator: @unchecked Sendable {
  let program: ElementwiseProgram
  let reduceOp: ReduceOp?
  let inputs: [(base: UnsafeRawPointer, dtype: DType)]
  let output: UnsafeMutableRawPointer
  let outputDType: DType
  let outShape: [Int]
  let redShape: [Int]
  let offsets: [Int]
  let outStrides: [[Int]]
  let redStrides: [[Int]]
  let outMasks: [[Range<Int>]?]
  let redMasks: [[Range<Int>]?]
  let outCount: Int
  let comboCount: Int
  let chunk = ElementwiseProgram.chunk

  init(kernel: Kernel, buffers: [Buffer]) {
    program = ElementwiseProgram(kernel.expr)
    reduceOp = kernel.reduceOp
    inputs = kernel.inputs.map { (UnsafeRawPointer(buffers[$0.buffer].raw), $0.dtype) }
    output = buffers[kernel.output].raw
    outputDType = kernel.outputDType
    let outAxes = kernel.shape.indices.filter { !kernel.reduceAxes.contains($0) }
    let redAxes = kernel.reduceAxes
    outShape = outAxes.map { kernel.shape[$0] }
    redShape = redAxes.map { kernel.shape[$0] }
    let views = kernel.inputs.map { $0.st.views[0] }
    offsets = views.map(\.offset)
    outStrides = views.map { v in outAxes.map { v.strides[$0] } }
    redStrides = views.map { v in redAxes.map { v.strides[$0] } }
    outMasks = views.map { v in v.mask.map { m in outAxes.map { m[$0] } } }
    redMasks = views.map { v in v.mask.map { m in redAxes.map { m[$0] } } }
    outCount = outShape.reduce(1, *)
    comboCount = redShape.reduce(1, *)
  }

  static func applies(to kernel: Kernel, plan: IterationPlan) -> Bool {
    kernel.inputs.allSatisfy { $0.st.isSingleView } && plan.shape[plan.shape.count - 1] < 32
  }

  var unitCount: Int { (outCount + chunk - 1) / chunk }
  var unitCost: Int { Swift.max(1, comboCount * chunk * (program.instructions.count + 2 * inputs.count)) }

  func run(units: Range<Int>) {
    let regs = UnsafeMutablePointer<Float>.allocate(capacity: (program.registerCount + 1) * chunk)
    let offs = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, inputs.count) * chunk)
    defer { regs.deallocate(); offs.deallocate() }
    let acc = regs + program.registerCount * chunk
    var idx = [Int](repeating: 0, count: outShape.count)
    var ridx = [Int](repeating: 0, count: redShape.count)
    var comboOffsets = [Int](repeating: 0, count: inputs.count)
    var comboValid = [Bool](repeating: true, count: inputs.count)
    for unit in units {
      let u0 = unit * chunk
      let n = Swift.min(chunk, outCount - u0)
      fillOffsets(u0, n, &idx, offs)
      if reduceOp != nil { ElementwiseOps.fill(acc, reduceOp == .max ? -.infinity : 0, n) }
      for combo in 0..<comboCount {
        var rest = combo
        for d in redShape.indices.reversed() { ridx[d] = rest % redShape[d]; rest /= redShape[d] }
        for i in inputs.indices {
          var o = 0
          var ok = true
          for d in redShape.indices {
            o += ridx[d] * redStrides[i][d]
            if let m = redMasks[i], !m[d].contains(ridx[d]) { ok = false }
          }
          comboOffsets[i] = o
          comboValid[i] = ok
        }
        let result = evaluate(n, offs, comboOffsets, comboValid, regs)
        switch reduceOp {
        case nil: store(result, u0, n)
        case .sum?: ReduceChunk.accumulateSum(acc, result, n)
        case .max?: ReduceChunk.accumulateMax(acc, result, n)
        }
      }
      if reduceOp != nil { store(acc, u0, n) }
    }
  }

  /// Per input and lane, the element offset of output index `u0 + lane` (Int.min where masked out).
  private func fillOffsets(_ u0: Int, _ n: Int, _ idx: inout [Int], _ offs: UnsafeMutablePointer<Int>) {
    let rank = outShape.count
    for i in inputs.indices {
      var rest = u0
      for d in (0..<rank).reversed() { idx[d] = rest % outShape[d]; rest /= outShape[d] }
      let strides = outStrides[i]
      var o = offsets[i]
      for d in 0..<rank { o += idx[d] * strides[d] }
      let dst = offs + i * chunk
      let mask = outMasks[i]
      for l in 0..<n {
        var valid = true
        if let mask { for d in 0..<rank where !mask[d].contains(idx[d]) { valid = false; break } }
        dst[l] = valid ? o : Int.min
        // Advance the odometer by one output element.
        var d = rank - 1
        while d >= 0 {
          idx[d] += 1
          o += strides[d]
          if idx[d] < outShape[d] { break }
          o -= strides[d] * outShape[d]
          idx[d] = 0
          d -= 1
        }
      }
    }
  }

  private func evaluate(_ n: Int, _ offs: UnsafeMutablePointer<Int>, _ comboOffsets: [Int], _ comboValid: [Bool],
                        _ regs: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
    program.execute(regs, n) { input, r in
      guard comboValid[input] else { ElementwiseOps.fill(r, 0, n); return }
      let src = offs + input * chunk
      let add = comboOffsets[input]
      let (base, dtype) = inputs[input]
      if dtype == .float32 {
        let f = base.assumingMemoryBound(to: Float.self)
        for l in 0..<n { let o = src[l]; r[l] = o == Int.min ? 0 : f[o + add] }
      } else {
        for l in 0..<n { let o = src[l]; r[l] = o == Int.min ? 0 : ElementIO.load(base, dtype, o + add) }
      }
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
