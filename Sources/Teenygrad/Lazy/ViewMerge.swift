extension View {
  /// This view read through `inner` as one view, when every axis of this view walks one axis of `inner`'s
  /// shape without carrying into the next (a permute, expand, shrink, flip or window of the inner layout).
  /// nil when the composition needs two views. `inner` must be unmasked.
  func merged(onto inner: View) -> View? {
    guard inner.mask == nil else { return nil }
    let innerShape = inner.shape
    let cs = View.contiguousStrides(innerShape)
    var offsets = ShapeTracker.unravelOffset(offset, innerShape)
    guard let base = offsets else { return nil }
    offsets = base
    // Per inner axis: the lowest and highest index this view reaches.
    var lo = base, hi = base
    var newStrides = [Int](repeating: 0, count: shape.count)
    for d in shape.indices where shape[d] > 1 && strides[d] != 0 {
      let s = strides[d]
      guard let k = innerShape.indices.first(where: { innerShape[$0] > 1 && cs[$0] != 0 && s % cs[$0] == 0 }) else { return nil }
      let m = s / cs[k]
      let range = mask?[d] ?? 0..<shape[d]
      guard !range.isEmpty else { continue }
      let first = m * range.lowerBound, last = m * (range.upperBound - 1)
      lo[k] += Swift.min(first, last)
      hi[k] += Swift.max(first, last)
      newStrides[d] = m * inner.strides[k]
    }
    for k in innerShape.indices where lo[k] < 0 || hi[k] >= Swift.max(innerShape[k], 1) {
      if !(innerShape[k] == 0) { return nil }
    }
    var newOffset = inner.offset
    for k in innerShape.indices { newOffset += base[k] * inner.strides[k] }
    return View(shape: shape, strides: newStrides, offset: newOffset, mask: mask)
  }
}

extension ShapeTracker {
  /// The multi-index of a flat offset in `shape`, or nil when it lies outside.
  static func unravelOffset(_ flat: Int, _ shape: [Int]) -> [Int]? {
    let size = shape.reduce(1, *)
    guard flat >= 0, flat < Swift.max(size, 1) else { return flat == 0 ? shape.map { _ in 0 } : nil }
    var idx = [Int](repeating: 0, count: shape.count)
    var rest = flat
    for d in shape.indices.reversed() where shape[d] > 0 {
      idx[d] = rest % shape[d]
      rest /= shape[d]
    }
    return idx
  }
}
