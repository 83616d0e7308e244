/// Scalar twin of ``f32_dot_6x2_avx2(_:depth:out:outRowStride:)``: the same inputs and contract (with the
/// default 6x2 row-major output), one multiply-add at a time in K order. It is the test oracle, not a fast path.
func f32_dot_6x2_reference(_ block: NarrowDotBlock, depth: Int, out: UnsafeMutablePointer<Float>) {
  let a = [block.a.0, block.a.1, block.a.2, block.a.3, block.a.4, block.a.5], b = [block.b.0, block.b.1]
  for i in 0..<F32NarrowDotTile.rows {
    for j in 0..<F32NarrowDotTile.cols {
      var sum: Float = 0
      for s in 0..<depth { sum += a[i][s] * b[j][s] }
      out[F32NarrowDotTile.cols * i + j] = sum
    }
  }
}
