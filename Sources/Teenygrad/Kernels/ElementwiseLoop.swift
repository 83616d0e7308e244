/// How a kernel walks its iteration space: dimensions reordered (output dims, then reduce dims, then the
/// innermost dim), size-1 dims dropped and adjacent dims merged where every view allows it.
struct IterationPlan: Sendable {
  enum Access: Sendable {
    /// One view: element at `offset + sum(idx * strides)`, zero outside `mask`.
    case strided(offset: Int, strides: [Int], mask: [Range<Int>]?)
    /// Several views: evaluated through the tracker, dims mapped back with `order`.
    case general(ShapeTracker)
  }

  var shape: [Int]
  var reduce: [Bool]
  var access: [Access]
  var outStrides: [Int]
  /// For each iteration dim, the kernel dim it came from (only meaningful before merging; merging is skipped
  /// when any access is general).
  var order: [Int]
  var kernelRank: Int

  init(_ kernel: Kernel) {
    let rank = kernel.shape.count
    kernelRank = rank
    let outShape = kernel.outputShape
    var outStridesK = View.contiguousStrides(outShape)
    for a in kernel.reduceAxes { outStridesK[a] = 0 }
    var kept = (0..<rank).filter { kernel.shape[$0] != 1 }
    let isReduce = { (d: Int) in kernel.reduceAxes.contains(d) }
    var ord: [Int] = []
    if let inner = kept.last {
      kept.removeLast()
      ord = kept.filter { !isReduce($0) } + kept.filter { isReduce($0) } + [inner]
    }
    let general = kernel.inputs.contains { !$0.st.isSingleView }
    shape = ord.map { kernel.shape[$0] }
    reduce = ord.map(isReduce)
    outStrides = ord.map { outStridesK[$0] }
    order = ord
    access = kernel.inputs.map { input in
      guard input.st.isSingleView else { return .general(input.st) }
      let v = input.st.bufferView
      return .strided(offset: v.offset, strides: ord.map { v.strides[$0] }, mask: v.mask.map { m in ord.map { m[$0] } })
    }
    if shape.isEmpty {
      shape = [1]; reduce = [false]; outStrides = [0]; order = [-1]
      access = access.map { a in
        if case .strided(let o, _, _) = a { return .strided(offset: o, strides: [0], mask: nil) }
        return a
      }
    }
    if !general { mergeDims() }
  }

  private mutating func mergeDims() {
    var d = shape.count - 2
    while d >= 0 {
      if canMerge(d) {
        let inner = shape[d + 1]
        shape[d] *= inner
        shape.remove(at: d + 1)
        reduce.remove(at: d + 1)
        outStrides[d] = outStrides[d + 1]
        outStrides.remove(at: d + 1)
        order.remove(at: d + 1)
        for i in access.indices {
          guard case .strided(let o, var s, let m) = access[i] else { continue }
          s[d] = s[d + 1]
          s.remove(at: d + 1)
          access[i] = .strided(offset: o, strides: s, mask: m.map { mm in
            var mm = mm
            mm[d] = 0..<shape[d]
            mm.remove(at: d + 1)
            return mm
          })
        }
      }
      d -= 1
    }
  }

  private func canMerge(_ d: Int) -> Bool {
    guard reduce[d] == reduce[d + 1], outStrides[d] == outStrides[d + 1] * shape[d + 1] else { return false }
    for a in access {
      guard case .strided(_, let s, let m) = a else { return false }
      if s[d] != s[d + 1] * shape[d + 1] { return false }
      if let m, m[d] != 0..<shape[d] || m[d + 1] != 0..<shape[d + 1] { return false }
    }
    return true
  }
}
