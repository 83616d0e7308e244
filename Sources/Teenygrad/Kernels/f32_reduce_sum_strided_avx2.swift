/// out[j] = sum over i in 0..<rows of x[i * rowStride + j], for j in 0..<cols, with AVX2.
///
/// The reduced axis is strided and the outputs are contiguous, so the vectors run across outputs: 32
/// columns at a time, then 8, then one. Each output adds its rows in order, exactly as the scalar loop.
func f32_reduce_sum_strided_avx2(
  _ x: UnsafePointer<Float>, rows: Int, rowStride: Int, cols: Int, out: UnsafeMutablePointer<Float>
) {
  let raw = UnsafeRawPointer(x)
  let outRaw = UnsafeMutableRawPointer(out)
  let rowBytes = rowStride &* 4
  var j = 0
  while j &+ 32 <= cols {
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
    var p = raw + j &* 4
    for _ in 0..<rows {
      s0 += p.loadUnaligned(as: SIMD8<Float>.self)
      s1 += p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
      s2 += p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
      s3 += p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
      p += rowBytes
    }
    let o = outRaw + j &* 4
    o.storeBytes(of: s0, as: SIMD8<Float>.self)
    o.storeBytes(of: s1, toByteOffset: 32, as: SIMD8<Float>.self)
    o.storeBytes(of: s2, toByteOffset: 64, as: SIMD8<Float>.self)
    o.storeBytes(of: s3, toByteOffset: 96, as: SIMD8<Float>.self)
    j &+= 32
  }
  while j &+ 8 <= cols {
    var s = SIMD8<Float>()
    var p = raw + j &* 4
    for _ in 0..<rows {
      s += p.loadUnaligned(as: SIMD8<Float>.self)
      p += rowBytes
    }
    outRaw.storeBytes(of: s, toByteOffset: j &* 4, as: SIMD8<Float>.self)
    j &+= 8
  }
  while j < cols {
    var s: Float = 0
    var p = x + j
    for _ in 0..<rows {
      s += p.pointee
      p += rowStride
    }
    out[j] = s
    j &+= 1
  }
}
