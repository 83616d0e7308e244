/// The K steps that a block of dot products walks: `count` runs of `length` consecutive floats, run `r`
/// starting `aStarts[r]` floats after each A row pointer and `bStarts[r]` after each B column pointer.
/// A convolution's weight gradient has such runs: one image row of the output gradient against the same row
/// of the input window.
struct DotRuns {
  var count: Int
  var length: Int
  var aStarts: UnsafePointer<Int>
  var bStarts: UnsafePointer<Int>
}

/// Three A rows and three B columns of a dot-product block, each as a pointer to its K index 0.
/// An 8-float load at offset `o` from every A pointer stays inside A's memory when `o + 8 <= aLimit`
/// (likewise `bLimit`): the last lanes of a run then load as one vector, with the lanes past the run zeroed.
struct DotBlock {
  var a: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)
  var b: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)
  var aLimit: Int
  var bLimit: Int
}

/// Lanes of the dot-product micro-kernel's register block.
enum F32DotTile {
  static let rows = 3
  static let cols = 3
}

/// Nine dot products, `out[3 * i + j] = sum over K of a_i[k] * b_j[k]`, walking `runs` with AVX2 FMA: nine
/// 8-lane accumulators (three A vectors times three B vectors per step), a run's last `length % 8` lanes as
/// one masked step, and the accumulators folded pairwise at the end (a fixed order). Nothing is packed: the
/// rows are read where they are, so a product with few outputs and a long K (a weight gradient) costs its
/// loads and FMAs only.
func f32_dot_3x3_avx2(_ block: DotBlock, runs: DotRuns, out: UnsafeMutablePointer<Float>) {
  typealias V = SIMD8<Float>
  let a0 = UnsafeRawPointer(block.a.0), a1 = UnsafeRawPointer(block.a.1), a2 = UnsafeRawPointer(block.a.2)
  let b0 = UnsafeRawPointer(block.b.0), b1 = UnsafeRawPointer(block.b.1), b2 = UnsafeRawPointer(block.b.2)
  var c00 = V(), c01 = V(), c02 = V(), c10 = V(), c11 = V(), c12 = V(), c20 = V(), c21 = V(), c22 = V()
  let length = runs.length
  let whole = length & ~7
  let rest = length &- whole
  @inline(__always) func load(_ p: UnsafeRawPointer, _ o: Int) -> V { p.loadUnaligned(fromByteOffset: o &* 4, as: V.self) }
  @inline(__always) func tail(_ p: UnsafeRawPointer, _ o: Int, _ inside: Bool) -> V {
    f32LoadTail(p, at: o, count: rest, inside: inside)
  }
  /// One K step: three A vectors times three B vectors into the nine accumulators.
  @inline(__always) func step(_ x0: V, _ x1: V, _ x2: V, _ y0: V, _ y1: V, _ y2: V) {
    c00 = c00.addingProduct(x0, y0); c01 = c01.addingProduct(x0, y1); c02 = c02.addingProduct(x0, y2)
    c10 = c10.addingProduct(x1, y0); c11 = c11.addingProduct(x1, y1); c12 = c12.addingProduct(x1, y2)
    c20 = c20.addingProduct(x2, y0); c21 = c21.addingProduct(x2, y1); c22 = c22.addingProduct(x2, y2)
  }
  for r in 0..<runs.count {
    let oa = runs.aStarts[r], ob = runs.bStarts[r]
    var s = 0
    while s < whole {
      step(load(a0, oa &+ s), load(a1, oa &+ s), load(a2, oa &+ s), load(b0, ob &+ s), load(b1, ob &+ s), load(b2, ob &+ s))
      s &+= 8
    }
    if rest > 0 {
      let ia = oa &+ whole &+ 8 <= block.aLimit, ib = ob &+ whole &+ 8 <= block.bLimit
      step(tail(a0, oa &+ whole, ia), tail(a1, oa &+ whole, ia), tail(a2, oa &+ whole, ia),
           tail(b0, ob &+ whole, ib), tail(b1, ob &+ whole, ib), tail(b2, ob &+ whole, ib))
    }
  }
  UnsafeMutableRawPointer(out).storeBytes(of: f32HorizontalSums(c00, c01, c02, c10, c11, c12, c20, c21), as: V.self)
  out[8] = f32HorizontalSum(c22)
}

/// The `count` (< 8) floats at float offset `offset` from `p`, the lanes past them zero: one vector load when
/// `inside` (eight floats from there stay inside the buffer), else one float at a time. The dot-product
/// kernels load the last lanes of a K run with it.
@inline(__always)
func f32LoadTail(_ p: UnsafeRawPointer, at offset: Int, count: Int, inside: Bool) -> SIMD8<Float> {
  if inside {
    let keep = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) .< SIMD8<Int32>(repeating: Int32(count))
    return SIMD8<Float>(repeating: 0).replacing(with: p.loadUnaligned(fromByteOffset: offset &* 4, as: SIMD8<Float>.self),
                                                where: keep)
  }
  var v = SIMD8<Float>()
  let f = p.assumingMemoryBound(to: Float.self) + offset
  for q in 0..<count { v[q] = f[q] }
  return v
}
