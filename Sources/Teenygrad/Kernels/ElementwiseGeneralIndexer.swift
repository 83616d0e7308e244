/// A ShapeTracker of several views flattened into one integer table, so that an element's buffer index is
/// pure integer arithmetic (no array copies or reference counting per element).
final class GeneralIndexer: @unchecked Sendable {
  // Per view: rank, offset, hasMask, then per dim: shape, stride, maskLo, maskHi.
  private let table: UnsafeMutablePointer<Int>
  private let starts: UnsafeMutablePointer<Int>
  private let viewCount: Int

  init(_ st: ShapeTracker) {
    let views = st.views
    let size = views.reduce(0) { $0 + 3 + 4 * $1.shape.count }
    table = .allocate(capacity: Swift.max(size, 1))
    viewCount = views.count
    starts = .allocate(capacity: views.count)
    var p = 0
    for (k, v) in views.enumerated() {
      starts[k] = p
      table[p] = v.shape.count; table[p + 1] = v.offset; table[p + 2] = v.mask == nil ? 0 : 1
      p += 3
      for d in v.shape.indices {
        table[p] = v.shape[d]; table[p + 1] = v.strides[d]
        table[p + 2] = v.mask?[d].lowerBound ?? 0; table[p + 3] = v.mask?[d].upperBound ?? v.shape[d]
        p += 4
      }
    }
  }

  deinit {
    table.deallocate()
    starts.deallocate()
  }

  /// The buffer index of `idx` (top view's shape), or -1 for padding.
  @inline(__always)
  func index(_ idx: UnsafeMutablePointer<Int>) -> Int {
    let s = starts
    var base = s[viewCount - 1]
      let rank = table[base]
      var flat = table[base + 1]
      let masked = table[base + 2] != 0
      for d in 0..<rank {
        let e = base + 3 + 4 * d
        let i = idx[d]
        if masked && (i < table[e + 2] || i >= table[e + 3]) { return -1 }
        flat &+= i &* table[e + 1]
      }
      var v = viewCount - 1
      while v > 0 {
        v -= 1
        base = s[v]
        let r = table[base]
        var rest = flat
        var offset = table[base + 1]
        let m = table[base + 2] != 0
        var d = r - 1
        while d >= 0 {
          let e = base + 3 + 4 * d
          let n = table[e]
          let i = rest % n
          rest /= n
          if m && (i < table[e + 2] || i >= table[e + 3]) { return -1 }
          offset &+= i &* table[e + 1]
          d -= 1
        }
        flat = offset
      }
      return flat
  }
}
