/// How the gather evaluator loads an input whose block is not one contiguous run but whose block rows (the
/// trailing one or two block axes) follow a pattern a few SIMD instructions load, instead of one table
/// lookup and one scalar load per lane. Window ops produce these: a max-pool's maxima broadcast back over
/// their 2x2 windows (each value twice, rows repeated), a window read with stride 2, a bias per channel.
///
/// A row is `length` lanes at block positions that are multiples of `length`; the block table gives the
/// offset of each row's first lane.
enum RowLoad: Equatable {
  /// No pattern: one table lookup per lane.
  case gather
  /// One value for the whole row.
  case splat(length: Int)
  /// Consecutive values, each repeated `factor` times (a broadcast innermost axis over a unit-stride axis).
  case repeated(length: Int, factor: Int)
  /// Consecutive values.
  case run(length: Int)
  /// Values `stride` apart.
  case strided(length: Int, stride: Int)

  /// Shortest row worth a pattern of its own.
  static let minLength = 8

  /// The pattern for a view with these (size, stride) block axes, innermost last.
  static func classify(_ blockAxes: [(size: Int, stride: Int)]) -> RowLoad {
    // Trailing axes that step through memory as one (a 5x2 window run read with strides 2 and 1) form one
    // longer row.
    var axes = blockAxes
    while axes.count > 1, axes[axes.count - 2].stride == axes[axes.count - 1].size * axes[axes.count - 1].stride {
      let inner = axes.removeLast()
      axes[axes.count - 1] = (size: axes[axes.count - 1].size * inner.size, stride: inner.stride)
    }
    // A value constant over the whole block (a bias over an image plane) merges into one stride-0 row.
    guard let last = axes.last else { return .gather }
    let previous = axes.count > 1 ? axes[axes.count - 2] : (size: 1, stride: 0)
    switch (last.stride, previous.stride) {
    case (0, 0) where last.size * previous.size >= minLength: return .splat(length: last.size * previous.size)
    case (0, 1) where previous.size * last.size >= minLength && last.size <= 4:
      return .repeated(length: previous.size * last.size, factor: last.size)
    case (0, _) where last.size >= minLength: return .splat(length: last.size)
    case (1, _) where last.size >= minLength: return .run(length: last.size)
    case (let s, _) where s > 1 && last.size >= minLength: return .strided(length: last.size, stride: s)
    default: return .gather
    }
  }

  /// Block positions `position ..< position + count` into `dst`: row by row, each row's first lane at
  /// `src + table[row start]`.
  func load(_ src: UnsafePointer<Float>, table: UnsafePointer<Int>, position: Int, count: Int,
            into dst: UnsafeMutablePointer<Float>) {
    switch self {
    case .gather: preconditionFailure("a gathered input has no row pattern")
    case .splat(let n):
      Self.rows(n, position, count) { row, _, lanes, done in (dst + done).update(repeating: src[table[row]], count: lanes) }
    case .run(let n):
      Self.rows(n, position, count) { row, w, lanes, done in (dst + done).update(from: src + (table[row] &+ w), count: lanes) }
    case .repeated(let n, let factor):
      Self.rows(n, position, count) { row, w, lanes, done in
        Self.repeated(src + table[row], factor: factor, from: w, count: lanes, into: dst + done)
      }
    case .strided(let n, let stride):
      Self.rows(n, position, count) { row, w, lanes, done in
        Self.strided(src + table[row], stride: stride, from: w, count: lanes, into: dst + done)
      }
    }
  }

  /// Walks the rows of `length` lanes that positions `position ..< position + count` cross: `body(row start,
  /// first lane within the row, lanes, lanes done before)`.
  @inline(__always)
  private static func rows(_ length: Int, _ position: Int, _ count: Int, _ body: (Int, Int, Int, Int) -> Void) {
    var w = position % length
    var row = position &- w
    var done = 0
    while done < count {
      let lanes = Swift.min(length &- w, count &- done)
      body(row, w, lanes, done)
      done &+= lanes
      row &+= length
      w = 0
    }
  }

  @inline(__always)
  private static func repeated(_ src: UnsafePointer<Float>, factor: Int, from w: Int, count: Int,
                               into dst: UnsafeMutablePointer<Float>) {
    var i = 0
    if factor == 2 {
      if w & 1 == 1 { dst[0] = src[w >> 1]; i = 1 }
      let raw = UnsafeRawPointer(src), out = UnsafeMutableRawPointer(dst)
      while i &+ 8 <= count {
        let v = raw.loadUnaligned(fromByteOffset: ((w &+ i) >> 1) &* 4, as: SIMD4<Float>.self)
        let pairs = SIMD8<Float>(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3])
        out.storeBytes(of: pairs, toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
      }
      // At most seven lanes remain, from an even position: two values twice each while four lanes remain,
      // then one lane at a time (written out: a loop here costs the checks of a vectorized one per row).
      if i &+ 4 <= count {
        let v = raw.loadUnaligned(fromByteOffset: ((w &+ i) >> 1) &* 4, as: SIMD2<Float>.self)
        out.storeBytes(of: SIMD4<Float>(v[0], v[0], v[1], v[1]), toByteOffset: i &* 4, as: SIMD4<Float>.self)
        i &+= 4
      }
      @inline(__always) func one() { if i < count { dst[i] = src[(w &+ i) >> 1]; i &+= 1 } }
      one(); one(); one()
      return
    }
    while i < count {
      dst[i] = src[(w &+ i) / factor]
      i &+= 1
    }
  }

  @inline(__always)
  private static func strided(_ src: UnsafePointer<Float>, stride: Int, from w: Int, count: Int,
                              into dst: UnsafeMutablePointer<Float>) {
    var i = 0
    if stride == 2 {
      // Two vectors hold eight wanted values and the seven between; the last vector's final lane lies one
      // past the eighth value, so a group runs only while a ninth lane remains in the row.
      let raw = UnsafeRawPointer(src), out = UnsafeMutableRawPointer(dst)
      while i &+ 9 <= count {
        out.storeBytes(of: evenEight(raw, (w &+ i) &* 8), toByteOffset: i &* 4, as: SIMD8<Float>.self)
        i &+= 8
      }
      // Four more the same way while a fifth lane remains (a 13-lane pooling row: 8 + 4 + 1).
      if i &+ 5 <= count {
        out.storeBytes(of: evenFour(raw, (w &+ i) &* 8), toByteOffset: i &* 4, as: SIMD4<Float>.self)
        i &+= 4
      }
      // At most four lanes remain, one at a time (written out: a loop here costs the checks of a vectorized
      // one per row).
      @inline(__always) func one() { if i < count { dst[i] = src[(w &+ i) &* 2]; i &+= 1 } }
      one(); one(); one(); one()
      return
    }
    while i < count {
      dst[i] = src[(w &+ i) &* stride]
      i &+= 1
    }
  }

  /// The even lanes of the sixteen floats at byte offset `o`.
  @inline(__always)
  private static func evenEight(_ raw: UnsafeRawPointer, _ o: Int) -> SIMD8<Float> {
    SIMD8(lowHalf: raw.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self).evenHalf,
          highHalf: raw.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self).evenHalf)
  }

  /// The even lanes of the eight floats at byte offset `o`.
  @inline(__always)
  private static func evenFour(_ raw: UnsafeRawPointer, _ o: Int) -> SIMD4<Float> {
    SIMD4(lowHalf: raw.loadUnaligned(fromByteOffset: o, as: SIMD4<Float>.self).evenHalf,
          highHalf: raw.loadUnaligned(fromByteOffset: o &+ 16, as: SIMD4<Float>.self).evenHalf)
  }
}
