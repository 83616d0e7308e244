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
    let base = starts[viewCount - 1]
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
      let (offset, outside) = decompose(view: v, flat, digits: nil)
      if outside != 0 { return -1 }
      flat = offset
    }
    return flat
  }

  /// Buffer indices (or -1 for padding) of `count` consecutive elements: starting at `idx` (top view's shape)
  /// and stepping an odometer over `axes` (last fastest) of sizes `shape`. Each lower view keeps its digits
  /// between elements, so a step of one in a view's flat index costs a digit increment, not a division per
  /// dimension. `idx` is left past the last element.
  func walk(_ idx: UnsafeMutablePointer<Int>, axes: [Int], shape: [Int], count: Int, into dst: UnsafeMutablePointer<Int>) {
    let levels = viewCount - 1
    // Per lower view: flat index held, output offset, masked-digit count, then its digits.
    var stateStart = [Int](repeating: 0, count: Swift.max(1, levels))
    var size = 0
    for v in 0..<levels { stateStart[v] = size; size += 3 + table[starts[v]] }
    let state = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, size))
    defer { state.deallocate() }
    for v in 0..<levels { state[stateStart[v]] = -2 }
    let top = starts[viewCount - 1]
    let topRank = table[top], topMasked = table[top + 2] != 0
    var flat = table[top + 1]
    for d in 0..<topRank { flat &+= idx[d] &* table[top + 3 + 4 * d + 1] }
    for l in 0..<count {
      var valid = true
      if topMasked {
        for d in 0..<topRank {
          let e = top + 3 + 4 * d
          if idx[d] < table[e + 2] || idx[d] >= table[e + 3] { valid = false; break }
        }
      }
      var f = flat
      var v = levels - 1
      while valid && v >= 0 {
        f = step(view: v, to: f, state + stateStart[v])
        if state[stateStart[v] + 2] != 0 { valid = false }
        v -= 1
      }
      dst[l] = valid ? f : -1
      var a = axes.count - 1
      while a >= 0 {
        let d = axes[a]
        let stride = table[top + 3 + 4 * d + 1]
        idx[d] += 1
        flat &+= stride
        if idx[d] < shape[a] { break }
        flat &-= stride &* shape[a]
        idx[d] = 0
        a -= 1
      }
    }
  }

  /// Moves view `v`'s held position to flat index `f` and returns its offset into the view below.
  @inline(__always)
  private func step(view v: Int, to f: Int, _ s: UnsafeMutablePointer<Int>) -> Int {
    let base = starts[v]
    let rank = table[base]
    let digits = s + 3
    if f == s[0] &+ 1 {
      var d = rank - 1
      while d >= 0 {
        let e = base + 3 + 4 * d
        let old = digits[d]
        var new = old + 1
        s[1] &+= table[e + 1]
        if new == table[e] {
          new = 0
          s[1] &-= table[e + 1] &* table[e]
        }
        digits[d] = new
        s[2] += Self.outside(new, table, e) - Self.outside(old, table, e)
        if new != 0 { break }
        d -= 1
      }
    } else if f != s[0] {
      (s[1], s[2]) = decompose(view: v, f, digits: digits)
    }
    s[0] = f
    return s[1]
  }

  /// View `v`'s offset into the view below for its flat index `flat`, and how many of its digits fall
  /// outside the mask; stores the digits when `digits` is given.
  @inline(__always)
  private func decompose(view v: Int, _ flat: Int, digits: UnsafeMutablePointer<Int>?) -> (offset: Int, outside: Int) {
    let base = starts[v]
    var rest = flat
    var offset = table[base + 1]
    var outside = 0
    var d = table[base] - 1
    while d >= 0 {
      let e = base + 3 + 4 * d
      let n = table[e]
      let i = rest % n
      rest /= n
      digits?[d] = i
      outside += Self.outside(i, table, e)
      offset &+= i &* table[e + 1]
      d -= 1
    }
    return (offset, outside)
  }

  @inline(__always)
  private static func outside(_ i: Int, _ table: UnsafeMutablePointer<Int>, _ e: Int) -> Int {
    i < table[e + 2] || i >= table[e + 3] ? 1 : 0
  }
}
