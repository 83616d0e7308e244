/// Six A rows and two B columns of a narrow product's dot-product block (``DotGEMM/Layout/narrow(packsB:)``),
/// each a pointer to its K index 0, read over one unit-stride run of all of K.
/// An 8-float load at offset `o` from every A pointer stays inside A's memory when `o + 8 <= aLimit`
/// (likewise `bLimit`): the last lanes of K then load as one vector, with the lanes past K zeroed.
struct NarrowDotBlock {
  var a: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>,
          UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)
  var b: (UnsafePointer<Float>, UnsafePointer<Float>)
  var aLimit: Int
  var bLimit: Int
}

/// Lanes of the narrow dot-product micro-kernel's register block.
enum F32NarrowDotTile {
  static let rows = 6
  static let cols = 2
}

/// Twelve dot products over `depth` floats, `out[i * outRowStride + j] = sum over K of a_i[k] * b_j[k]`, with
/// AVX2 FMA: twelve 8-lane accumulators (six A vectors times two B vectors per step), K's last `depth % 8` lanes
/// as one masked step, and the accumulators folded pairwise at the end (a fixed order). The default `outRowStride`
/// writes a 6x2 row-major block; a C row stride writes the block straight into C.
///
/// Where C has only a few columns (a linear layer's 10 outputs), this block uses every lane: the 6x16 kernel
/// would leave 6 of its 16 columns idle, and a 3x3 dot block does only 9 multiply-adds per 6 loads.
func f32_dot_6x2_avx2(_ block: NarrowDotBlock, depth: Int, out: UnsafeMutablePointer<Float>,
                      outRowStride: Int = F32NarrowDotTile.cols) {
  f32Dot6x2Block(block, depth: depth, out: out, outRowStride: outRowStride)
}

/// ``f32_dot_6x2_avx2(_:depth:out:outRowStride:)`` along a row of `pairs` blocks: the same six A rows meet
/// `pairs` column pairs of B, pair `p` read `p * pairStride` floats after `block.b` and written `2 * p` columns
/// right of `out`, C's rows `outRowStride` apart. A row of blocks costs one call, and the A row pointers stay in
/// registers across it.
func f32_dot_6x2_avx2(_ block: NarrowDotBlock, pairs: Int, pairStride: Int, depth: Int,
                      out: UnsafeMutablePointer<Float>, outRowStride: Int) {
  precondition(outRowStride >= F32NarrowDotTile.cols &* pairs, "6x2 dot blocks would overlap in C")
  var block = block, out = out
  for _ in 0..<pairs {
    f32Dot6x2Block(block, depth: depth, out: out, outRowStride: outRowStride)
    block.b.0 += pairStride
    block.b.1 += pairStride
    block.bLimit &-= pairStride
    out += F32NarrowDotTile.cols
  }
}

/// One 6x2 block, as ``f32_dot_6x2_avx2(_:depth:out:outRowStride:)`` describes it.
@inline(__always)
private func f32Dot6x2Block(_ block: NarrowDotBlock, depth: Int, out: UnsafeMutablePointer<Float>,
                            outRowStride: Int) {
  typealias V = SIMD8<Float>
  let a0 = UnsafeRawPointer(block.a.0), a1 = UnsafeRawPointer(block.a.1), a2 = UnsafeRawPointer(block.a.2)
  let a3 = UnsafeRawPointer(block.a.3), a4 = UnsafeRawPointer(block.a.4), a5 = UnsafeRawPointer(block.a.5)
  let b0 = UnsafeRawPointer(block.b.0), b1 = UnsafeRawPointer(block.b.1)
  var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
  var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
  let whole = depth & ~7
  let rest = depth &- whole
  @inline(__always) func load(_ p: UnsafeRawPointer, _ o: Int) -> V { p.loadUnaligned(fromByteOffset: o &* 4, as: V.self) }
  /// Six A vectors times two B vectors into the twelve accumulators.
  @inline(__always) func step(_ x: (V, V, V, V, V, V), _ y0: V, _ y1: V) {
    c00 = c00.addingProduct(x.0, y0); c01 = c01.addingProduct(x.0, y1)
    c10 = c10.addingProduct(x.1, y0); c11 = c11.addingProduct(x.1, y1)
    c20 = c20.addingProduct(x.2, y0); c21 = c21.addingProduct(x.2, y1)
    c30 = c30.addingProduct(x.3, y0); c31 = c31.addingProduct(x.3, y1)
    c40 = c40.addingProduct(x.4, y0); c41 = c41.addingProduct(x.4, y1)
    c50 = c50.addingProduct(x.5, y0); c51 = c51.addingProduct(x.5, y1)
  }
  var s = 0
  while s < whole {
    step((load(a0, s), load(a1, s), load(a2, s), load(a3, s), load(a4, s), load(a5, s)), load(b0, s), load(b1, s))
    s &+= 8
  }
  if rest > 0 {
    @inline(__always) func tail(_ p: UnsafeRawPointer, _ inside: Bool) -> V {
      f32LoadTail(p, at: whole, count: rest, inside: inside)
    }
    let ia = whole &+ 8 <= block.aLimit, ib = whole &+ 8 <= block.bLimit
    step((tail(a0, ia), tail(a1, ia), tail(a2, ia), tail(a3, ia), tail(a4, ia), tail(a5, ia)), tail(b0, ib), tail(b1, ib))
  }
  // Rows 0-3 end as one vector in the block's row-major order, rows 4-5 as half of one.
  let top = f32HorizontalSums(c00, c01, c10, c11, c20, c21, c30, c31)
  let tail = f32HorizontalSums(c40, c41, c50, c51)
  if outRowStride == F32NarrowDotTile.cols {
    UnsafeMutableRawPointer(out).storeBytes(of: top, as: V.self)
    UnsafeMutableRawPointer(out + 8).storeBytes(of: tail, as: SIMD4<Float>.self)
  } else {
    var row = out
    @inline(__always) func put(_ x: Float, _ y: Float) {
      row[0] = x
      row[1] = y
      row += outRowStride
    }
    put(top[0], top[1]); put(top[2], top[3]); put(top[4], top[5]); put(top[6], top[7]); put(tail[0], tail[1])
    put(tail[2], tail[3])
  }
}
