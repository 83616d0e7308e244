/// out[j] = max over i in 0..<rows of x[i * rowStride + j], for j in 0..<cols, with AVX2.
///
/// Vectorized across the contiguous outputs like ``f32_reduce_sum_strided_avx2(_:rows:rowStride:cols:out:)``.
/// NaN in a column gives NaN; zero rows give -infinity.
func f32_reduce_max_strided_avx2(
  _ x: UnsafePointer<Float>, rows: Int, rowStride: Int, cols: Int, out: UnsafeMutablePointer<Float>
) {
  let raw = UnsafeRawPointer(x)
  let outRaw = UnsafeMutableRawPointer(out)
  let rowBytes = rowStride &* 4
  let lowest = SIMD8<Float>(repeating: -.infinity)
  var j = 0
  while j &+ 32 <= cols {
    var m0 = lowest, m1 = lowest, m2 = lowest, m3 = lowest
    var p = raw + j &* 4
    for _ in 0..<rows {
      m0 = f32MaxPropagatingNaN(m0, p.loadUnaligned(as: SIMD8<Float>.self))
      m1 = f32MaxPropagatingNaN(m1, p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
      m2 = f32MaxPropagatingNaN(m2, p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
      m3 = f32MaxPropagatingNaN(m3, p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
      p += rowBytes
    }
    let o = outRaw + j &* 4
    o.storeBytes(of: m0, as: SIMD8<Float>.self)
    o.storeBytes(of: m1, toByteOffset: 32, as: SIMD8<Float>.self)
    o.storeBytes(of: m2, toByteOffset: 64, as: SIMD8<Float>.self)
    o.storeBytes(of: m3, toByteOffset: 96, as: SIMD8<Float>.self)
    j &+= 32
  }
  while j &+ 8 <= cols {
    var m = lowest
    var p = raw + j &* 4
    for _ in 0..<rows {
      m = f32MaxPropagatingNaN(m, p.loadUnaligned(as: SIMD8<Float>.self))
      p += rowBytes
    }
    outRaw.storeBytes(of: m, toByteOffset: j &* 4, as: SIMD8<Float>.self)
    j &+= 8
  }
  while j < cols {
    var m = -Float.infinity
    var p = x + j
    for _ in 0..<rows {
      m = f32MaxPropagatingNaN(m, p.pointee)
      p += rowStride
    }
    out[j] = m
    j &+= 1
  }
}
