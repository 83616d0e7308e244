/// out[j] = sum over i in 0..<rows of x[i * rowStride + j], for j in 0..<cols, with AVX2.
///
/// The reduced axis is strided and the outputs are contiguous, so the vectors run across outputs (see
/// ``f32ReduceStrided(_:rows:rowStride:cols:out:identity:vector:scalar:)``). Each output adds its rows
/// in order, so the result equals the scalar loop's bit for bit. Zero rows give 0.
func f32_reduce_sum_strided_avx2(
  _ x: UnsafePointer<Float>, rows: Int, rowStride: Int, cols: Int, out: UnsafeMutablePointer<Float>
) {
  f32ReduceStrided(x, rows: rows, rowStride: rowStride, cols: cols, out: out, identity: 0,
                   vector: { $0 + $1 }, scalar: { $0 + $1 })
}
