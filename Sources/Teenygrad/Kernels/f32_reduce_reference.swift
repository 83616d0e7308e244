// Scalar twins of the reduce micro-kernels: one element at a time, in index order. They are the test
// oracles, not fast paths.

/// Scalar twin of ``f32_reduce_sum_avx2(_:count:)``.
func f32_reduce_sum_reference(_ x: UnsafePointer<Float>, count: Int) -> Float {
  scalarSum(x, count: count, stride: 1)
}

/// Scalar twin of ``f32_reduce_max_avx2(_:count:)``.
func f32_reduce_max_reference(_ x: UnsafePointer<Float>, count: Int) -> Float {
  scalarMax(x, count: count, stride: 1)
}

/// Scalar twin of ``f32_reduce_sum_strided_avx2(_:rows:rowStride:cols:out:)``.
func f32_reduce_sum_strided_reference(
  _ x: UnsafePointer<Float>, rows: Int, rowStride: Int, cols: Int, out: UnsafeMutablePointer<Float>
) {
  for j in 0..<cols { out[j] = scalarSum(x + j, count: rows, stride: rowStride) }
}

/// Scalar twin of ``f32_reduce_max_strided_avx2(_:rows:rowStride:cols:out:)``.
func f32_reduce_max_strided_reference(
  _ x: UnsafePointer<Float>, rows: Int, rowStride: Int, cols: Int, out: UnsafeMutablePointer<Float>
) {
  for j in 0..<cols { out[j] = scalarMax(x + j, count: rows, stride: rowStride) }
}

/// Scalar twin of ``f32_dot_avx2(_:_:count:)``.
func f32_dot_reference(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  var total: Float = 0
  for i in 0..<count { total += a[i] * b[i] }
  return total
}

private func scalarSum(_ x: UnsafePointer<Float>, count: Int, stride: Int) -> Float {
  var total: Float = 0
  for i in 0..<count { total += x[i * stride] }
  return total
}

private func scalarMax(_ x: UnsafePointer<Float>, count: Int, stride: Int) -> Float {
  var best = -Float.infinity
  for i in 0..<count {
    let value = x[i * stride]
    if value.isNaN { return .nan }
    if value > best { best = value }
  }
  return best
}
