/// out[j] = max over i in 0..<rows of x[i * rowStride + j], for j in 0..<cols, with AVX2.
///
/// Vectorized across the contiguous outputs (see
/// ``f32ReduceStrided(_:rows:rowStride:cols:out:identity:vector:scalar:)``). NaN in a column gives NaN;
/// zero rows give -infinity.
func f32_reduce_max_strided_avx2(
  _ x: UnsafePointer<Float>, rows: Int, rowStride: Int, cols: Int, out: UnsafeMutablePointer<Float>
) {
  f32ReduceStrided(x, rows: rows, rowStride: rowStride, cols: cols, out: out, identity: -.infinity,
                   vector: { f32MaxPropagatingNaN($0, $1) }, scalar: { f32MaxPropagatingNaN($0, $1) })
}
