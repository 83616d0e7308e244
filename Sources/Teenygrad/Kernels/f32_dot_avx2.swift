/// Sum of a[i] * b[i] over `count` contiguous floats with AVX2 FMA: four 8-lane accumulators, the lanes
/// folded in a fixed order, the last `count % 8` products added one by one. Empty runs give 0.
func f32_dot_avx2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
  let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
  var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
  var i = 0
  while i &+ 32 <= count {
    let at = i &* 4
    s0 = s0.addingProduct(ra.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self))
    s1 = s1.addingProduct(ra.loadUnaligned(fromByteOffset: at &+ 32, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: at &+ 32, as: SIMD8<Float>.self))
    s2 = s2.addingProduct(ra.loadUnaligned(fromByteOffset: at &+ 64, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: at &+ 64, as: SIMD8<Float>.self))
    s3 = s3.addingProduct(ra.loadUnaligned(fromByteOffset: at &+ 96, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: at &+ 96, as: SIMD8<Float>.self))
    i &+= 32
  }
  while i &+ 8 <= count {
    let at = i &* 4
    s0 = s0.addingProduct(ra.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self),
                          rb.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self))
    i &+= 8
  }
  var total = f32HorizontalSum((s0 + s1) + (s2 + s3))
  while i < count {
    total = total.addingProduct(a[i], b[i])
    i &+= 1
  }
  return total
}
