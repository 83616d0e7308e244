import CVectorShuffle

/// Sum of `count` contiguous floats with AVX2.
///
/// Four 8-lane accumulators take 32 floats a step, one more takes the next 8, the lanes fold pairwise in
/// a fixed order and the last `count % 8` floats add one by one, so a given input always gives the same
/// bits. An empty run sums to 0.
func f32_reduce_sum_avx2(_ x: UnsafePointer<Float>, count: Int) -> Float {
  let raw = UnsafeRawPointer(x)
  var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
  var i = 0
  while i &+ 32 <= count {
    let at = i &* 4
    s0 += raw.loadUnaligned(fromByteOffset: at, as: SIMD8<Float>.self)
    s1 += raw.loadUnaligned(fromByteOffset: at &+ 32, as: SIMD8<Float>.self)
    s2 += raw.loadUnaligned(fromByteOffset: at &+ 64, as: SIMD8<Float>.self)
    s3 += raw.loadUnaligned(fromByteOffset: at &+ 96, as: SIMD8<Float>.self)
    i &+= 32
  }
  while i &+ 8 <= count {
    s0 += raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
    i &+= 8
  }
  var total = f32HorizontalSum((s0 + s1) + (s2 + s3))
  while i < count {
    total += x[i]
    i &+= 1
  }
  return total
}

/// Sum of a vector's lanes, folded halves-first in a fixed order.
@inline(__always)
func f32HorizontalSum(_ v: SIMD8<Float>) -> Float {
  let four = v.lowHalf + v.highHalf
  let two = four.lowHalf + four.highHalf
  return two[0] + two[1]
}

/// The lane sums of eight vectors, in order, folded pairwise (`vhaddps`) in a fixed order: a dot-product
/// block's accumulators written as one vector.
@inline(__always)
func f32HorizontalSums(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>,
                       _ e: SIMD8<Float>, _ f: SIMD8<Float>, _ g: SIMD8<Float>, _ h: SIMD8<Float>) -> SIMD8<Float> {
  let pairs = teenygrad_f32x8_pair_sums
  return teenygrad_f32x8_fold_halves(pairs(pairs(a, b), pairs(c, d)), pairs(pairs(e, f), pairs(g, h)))
}

/// The lane sums of four vectors, in order, folded as ``f32HorizontalSums(_:_:_:_:_:_:_:_:)`` folds eight.
@inline(__always)
func f32HorizontalSums(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>, _ d: SIMD8<Float>) -> SIMD4<Float> {
  let pairs = teenygrad_f32x8_pair_sums
  let sums = pairs(pairs(a, b), pairs(c, d))
  return sums.lowHalf + sums.highHalf
}
