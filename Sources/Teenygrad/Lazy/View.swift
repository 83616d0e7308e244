/// One strided window onto a flat buffer: element `idx` lives at `offset + sum(idx[d] * strides[d])`, and reads
/// as zero where `idx` falls outside `mask` (the padded border).
///
/// Every movement op except a reshape that does not fit the strides is a rewrite of one View.
struct View: Hashable, Sendable {
  var shape: [Int]
  var strides: [Int]
  var offset: Int
  /// Per dimension, the valid half-open range `[begin, end)`; nil when every index is valid.
  var mask: [Range<Int>]?

  init(shape: [Int], strides: [Int], offset: Int = 0, mask: [Range<Int>]? = nil) {
    self.shape = shape
    // A dimension of size 1 never moves: canonical stride 0 makes equal views compare equal.
    self.strides = strides
    for d in shape.indices where shape[d] == 1 && strides[d] != 0 { self.strides[d] = 0 }
    self.offset = offset
    self.mask = mask
    if let m = mask, zip(m, shape).allSatisfy({ $0.lowerBound == 0 && $0.upperBound == $1 }) { self.mask = nil }
  }

  static func contiguous(_ shape: [Int]) -> View {
    View(shape: shape, strides: contiguousStrides(shape))
  }

  static func contiguousStrides(_ shape: [Int]) -> [Int] {
    // Overwriting a copy of the shape allocates through the stdlib's Int-specialized path, which costs about
    // half of what `Array(unsafeUninitializedCapacity:)` or `Array(repeating:count:)` do here.
    var strides = shape
    strides.withUnsafeMutableBufferPointer { out in
      _ = walkContiguousStrides(shape) { d, stride in
        out[d] = stride
        return true
      }
    }
    return strides
  }

  /// Calls `visit(d, stride)` with the strides of a contiguous view of `shape`, last dimension first, while
  /// `visit` returns true; returns whether every dimension was visited.
  @inline(__always)
  private static func walkContiguousStrides(_ shape: [Int], _ visit: (Int, Int) -> Bool) -> Bool {
    var acc = 1
    var d = shape.count
    while d > 0 {
      d -= 1
      if !visit(d, shape[d] == 1 ? 0 : acc) { return false }
      acc &*= shape[d]  // wraps only for shapes with a zero dimension, whose strides are never used
    }
    return true
  }

  var size: Int { shape.reduce(1, *) }

  /// True when the view reads its buffer front to back with nothing skipped, repeated or masked.
  var isContiguous: Bool {
    // The strides of View.contiguous(shape), compared without building them.
    offset == 0 && mask == nil && View.walkContiguousStrides(shape) { d, stride in strides[d] == stride }
  }

  /// Whether any index is masked out entirely (an empty valid range in some dimension).
  var isFullyMasked: Bool { mask?.contains(where: { $0.isEmpty }) ?? false }

  // MARK: movement

  func permuted(_ order: [Int]) -> View {
    View(shape: order.map { shape[$0] }, strides: order.map { strides[$0] }, offset: offset,
         mask: mask.map { m in order.map { m[$0] } })
  }

  func expanded(_ newShape: [Int]) -> View {
    var newMask = mask
    if var m = mask {
      for d in newShape.indices where shape[d] != newShape[d] { m[d] = m[d].isEmpty ? 0..<0 : 0..<newShape[d] }
      newMask = m
    }
    let newStrides = newShape.indices.map { shape[$0] == newShape[$0] ? strides[$0] : 0 }
    return View(shape: newShape, strides: newStrides, offset: offset, mask: newMask)
  }

  func padded(_ arg: [(Int, Int)]) -> View {
    var newOffset = offset
    var newShape = shape
    var m = mask ?? shape.map { 0..<$0 }
    for d in shape.indices {
      let (before, after) = arg[d]
      newOffset -= before * strides[d]
      newShape[d] = shape[d] + before + after
      m[d] = (m[d].lowerBound + before)..<(m[d].upperBound + before)
    }
    return View(shape: newShape, strides: strides, offset: newOffset, mask: m)
  }

  func shrunk(_ arg: [(Int, Int)]) -> View {
    var newOffset = offset
    var newShape = shape
    var newMask: [Range<Int>]? = nil
    if let m = mask {
      newMask = shape.indices.map { d in
        let lo = Swift.min(Swift.max(m[d].lowerBound - arg[d].0, 0), arg[d].1 - arg[d].0)
        let hi = Swift.min(Swift.max(m[d].upperBound - arg[d].0, lo), arg[d].1 - arg[d].0)
        return lo..<hi
      }
    }
    for d in shape.indices {
      newOffset += arg[d].0 * strides[d]
      newShape[d] = arg[d].1 - arg[d].0
    }
    return View(shape: newShape, strides: strides, offset: newOffset, mask: newMask)
  }

  /// Flips the dimensions whose entry is -1 (teenygrad's `stride` with +-1).
  func flipped(_ axes: [Bool]) -> View {
    var newOffset = offset
    var newStrides = strides
    var newMask = mask
    for d in shape.indices where axes[d] {
      newOffset += (shape[d] - 1) * strides[d]
      newStrides[d] = -strides[d]
      if var m = newMask {
        m[d] = (shape[d] - m[d].upperBound)..<(shape[d] - m[d].lowerBound)
        newMask = m
      }
    }
    return View(shape: shape, strides: newStrides, offset: newOffset, mask: newMask)
  }

  /// The same elements under `newShape`, when the strides allow it without a copy; nil otherwise.
  func reshaped(_ newShape: [Int]) -> View? {
    if shape == newShape { return self }
    if isContiguous || size == 0 { return View.contiguous(newShape) }
    // Only size-1 dimensions added or removed: keeps strides and masks.
    let oldCore = shape.indices.filter { shape[$0] != 1 }
    let newCore = newShape.indices.filter { newShape[$0] != 1 }
    if oldCore.map({ shape[$0] }) == newCore.map({ newShape[$0] }) {
      var strides = [Int](repeating: 0, count: newShape.count)
      var m: [Range<Int>]? = mask == nil ? nil : newShape.map { 0..<$0 }
      for (o, n) in zip(oldCore, newCore) {
        strides[n] = self.strides[o]
        if let old = mask { m![n] = old[o] }
      }
      // A removed size-1 dimension whose only index is masked out empties the view.
      if let old = mask, shape.indices.contains(where: { shape[$0] == 1 && old[$0].isEmpty }) {
        m = newShape.map { _ in 0..<0 }
      }
      return View(shape: newShape, strides: strides, offset: offset, mask: m)
    }
    guard mask == nil else { return nil }
    return reshapedStrides(newShape)
  }

  /// numpy's no-copy reshape: groups old and new dimensions with equal products and checks that each old
  /// group is laid out as one run.
  private func reshapedStrides(_ newShape: [Int]) -> View? {
    let oldDims = shape.indices.filter { shape[$0] != 1 }
    let os = oldDims.map { shape[$0] }, ost = oldDims.map { strides[$0] }
    var newStrides = [Int](repeating: 0, count: newShape.count)
    var oi = 0, ni = 0
    let newDims = newShape.indices.filter { newShape[$0] != 1 }
    while oi < os.count && ni < newDims.count {
      var op = os[oi], np = newShape[newDims[ni]]
      let oStart = oi, nStart = ni
      while op != np {
        if op < np { oi += 1; guard oi < os.count else { return nil }; op *= os[oi] }
        else { ni += 1; guard ni < newDims.count else { return nil }; np *= newShape[newDims[ni]] }
      }
      for k in oStart..<oi where ost[k] != ost[k + 1] * os[k + 1] { return nil }
      var s = ost[oi]
      for k in stride(from: ni, through: nStart, by: -1) {
        newStrides[newDims[k]] = s
        s *= newShape[newDims[k]]
      }
      oi += 1; ni += 1
    }
    guard oi == os.count && ni == newDims.count else { return nil }
    return View(shape: newShape, strides: newStrides, offset: offset)
  }
}
