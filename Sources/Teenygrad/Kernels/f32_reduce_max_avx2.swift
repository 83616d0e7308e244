/// Largest of `count` contiguous floats with AVX2; NaN anywhere gives NaN (numpy's `max`), and an empty
/// run gives -infinity (the identity of max).
func f32_reduce_max_avx2(_ x: UnsafePointer<Float>, count: Int) -> Float {
  let raw = UnsafeRawPointer(x)
  let lowest = SIMD8<Float>(repeating: -.infinity)
  var m0 = lowest, m1 = lowest, m2 = lowest, m3 = lowest
  var i = 0
  while i &+ 32 <= count {
    let at = i &* 4
    m0 = f32MaxPropagatingNaN(m0, raw.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self))
    m1 = f32MaxPropagatingNaN(m1, raw.loadUnaligned(fromByteOffset: at &+ 32, as: SIMD8<Float>.self))
    m2 = f32MaxPropagatingNaN(m2, raw.loadUnaligned(fromByteOffset: at &+ 64, as: SIMD8<Float>.self))
    m3 = f32MaxPropagatingNaN(m3, raw.loadUnaligned(fromByteOffset: at &+ 96, as: SIMD8<Float>.self))
    i &+= 32
  }
  while i &+ 8 <= count {
    m0 = f32MaxPropagatingNaN(m0, raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
    i &+= 8
  }
  let v = f32MaxPropagatingNaN(f32MaxPropagatingNaN(m0, m1), f32MaxPropagatingNaN(m2, m3))
  var best = v[0]
  for lane in 1..<8 { best = f32MaxPropagatingNaN(best, v[lane]) }
  while i < count {
    best = f32MaxPropagatingNaN(best, x[i])
    i &+= 1
  }
  return best
}

/// Lane-wise maximum in which a NaN in `acc` stays and a NaN in `x` enters, so NaN is sticky.
@inline(__always)
func f32MaxPropagatingNaN(_ acc: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
  acc.replacing(with: x, where: (x .> acc) .| (x .!= x))
}

/// Scalar form of the NaN-sticky maximum.
@inline(__always)
func f32MaxPropagatingNaN(_ acc: Float, _ x: Float) -> Float {
  x > acc || x.isNaN ? x : acc
}
