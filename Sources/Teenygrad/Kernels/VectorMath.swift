import Foundation

/// SIMD8 versions of the transcendental ops, accurate to a few ulp, with IEEE special values.
enum VectorMath {
  typealias V = SIMD8<Float>
  typealias I = SIMD8<Int32>

  /// The larger of each pair of lanes. Transparent, not just `@inline(__always)`: inside the window fold's
  /// row loop the optimizer otherwise left it a call.
  @_transparent
  static func maximum(_ a: V, _ b: V) -> V {
    // NaN in either operand propagates, as numpy's maximum does.
    let r = b.replacing(with: a, where: a .> b)
    return r.replacing(with: a, where: a .!= a).replacing(with: b, where: b .!= b)
  }

  /// 2^x.
  @inline(__always)
  static func exp2(_ x: V) -> V {
    // Comparisons and blends, not the generic clamping, rounding and integer conversion, which compile to
    // calls. Adding 1.5 * 2^23 rounds a value below 2^22 in magnitude to an integer (to nearest, ties to
    // even) held in the low mantissa bits: subtracting it back gives n as a float, subtracting its bits gives
    // n as an integer.
    let clamped = x.replacing(with: V(repeating: -160), where: x .< -160).replacing(with: V(repeating: 160), where: x .> 160)
    let magic = V(repeating: 12_582_912)
    let shifted = clamped + magic
    let n = shifted - magic
    let y = (clamped - n) * V(repeating: 0.693147180559945309)
    // e^y on [-0.347, 0.347], Taylor to degree 7 (relative error below 1e-8).
    var p = V(repeating: 1.0 / 5040)
    p = V(repeating: 1.0 / 720).addingProduct(p, y)
    p = V(repeating: 1.0 / 120).addingProduct(p, y)
    p = V(repeating: 1.0 / 24).addingProduct(p, y)
    p = V(repeating: 1.0 / 6).addingProduct(p, y)
    p = V(repeating: 0.5).addingProduct(p, y)
    p = V(repeating: 1).addingProduct(p, y)
    p = V(repeating: 1).addingProduct(p, y)
    let ni = unsafeBitCast(shifted, to: I.self) &- unsafeBitCast(magic, to: I.self)
    let n1 = ni &>> 1
    let n2 = ni &- n1
    let s1 = unsafeBitCast((n1 &+ 127) &<< 23, to: V.self)
    let s2 = unsafeBitCast((n2 &+ 127) &<< 23, to: V.self)
    var r = p * s1 * s2
    r = r.replacing(with: V(repeating: .infinity), where: x .> 128)
    r = r.replacing(with: V(repeating: 0), where: x .< -150)
    return r.replacing(with: x, where: x .!= x)
  }

  /// log2(x).
  @inline(__always)
  static func log2(_ x: V) -> V {
    let tiny = x .< V(repeating: Float.leastNormalMagnitude)
    let scaled = x.replacing(with: x * 8388608, where: tiny)
    let bits = unsafeBitCast(scaled, to: I.self)
    var e = V((bits &>> 23) & 0xff) - 127
    e = e.replacing(with: e - 23, where: tiny)
    var m = unsafeBitCast((bits & 0x7fffff) | 0x3f80_0000, to: V.self)
    let big = m .> V(repeating: 1.41421356237)
    m = m.replacing(with: m * 0.5, where: big)
    e = e.replacing(with: e + 1, where: big)
    let t = (m - 1) / (m + 1)
    let t2 = t * t
    var p = V(repeating: 1.0 / 11)
    p = V(repeating: 1.0 / 9).addingProduct(p, t2)
    p = V(repeating: 1.0 / 7).addingProduct(p, t2)
    p = V(repeating: 1.0 / 5).addingProduct(p, t2)
    p = V(repeating: 1.0 / 3).addingProduct(p, t2)
    p = V(repeating: 1).addingProduct(p, t2)
    // ln(m) = 2 t p; log2(m) = ln(m) / ln 2.
    var r = e.addingProduct(t * p, V(repeating: 2.8853900817779268))
    r = r.replacing(with: V(repeating: -.infinity), where: x .== 0)
    r = r.replacing(with: V(repeating: .nan), where: x .< 0)
    r = r.replacing(with: x, where: (x .== V(repeating: .infinity)) .| (x .!= x))
    return r
  }

  /// Largest magnitude ``sin(_:)`` reduces itself; beyond it (and for infinities) a lane falls back to libm.
  static let sinReductionLimit: Float = 25_000

  /// sin(x): x less the nearest multiple j of π/2 (Cody-Waite, π/2 in three parts, one rounding each with
  /// FMA), then the sine or cosine polynomial of the quadrant on [-π/4, π/4] (Cephes' single-precision
  /// coefficients), negated in quadrants 2 and 3. Lanes beyond ``sinReductionLimit`` (and infinities) take
  /// the scalar libm call instead.
  @inline(__always)
  static func sin(_ x: V) -> V {
    // Adding 1.5 * 2^23 rounds to the nearest integer held in the low mantissa bits (see exp2).
    let magic = V(repeating: 12_582_912)
    let shifted = magic.addingProduct(x, V(repeating: 0.636619772367581343))
    let j = shifted - magic
    var r = x.addingProduct(j, V(repeating: -1.5703125))
    r = r.addingProduct(j, V(repeating: -4.837512969970703125e-4))
    r = r.addingProduct(j, V(repeating: -7.54978995489188216e-8))
    let r2 = r * r
    var sinP = V(repeating: -1.9515295891e-4)
    sinP = V(repeating: 8.3321608736e-3).addingProduct(sinP, r2)
    sinP = V(repeating: -1.6666654611e-1).addingProduct(sinP, r2)
    sinP = r.addingProduct(r * r2, sinP)
    var cosP = V(repeating: 2.443315711809948e-5)
    cosP = V(repeating: -1.388731625493765e-3).addingProduct(cosP, r2)
    cosP = V(repeating: 4.166664568298827e-2).addingProduct(cosP, r2)
    cosP = (V(repeating: 1) - 0.5 * r2).addingProduct(r2 * r2, cosP)
    let quadrant = unsafeBitCast(shifted, to: I.self) &- unsafeBitCast(magic, to: I.self)
    let odd = (quadrant & 1) .!= I(repeating: 0)
    let value = sinP.replacing(with: cosP, where: odd)
    let sign = (quadrant & 2) &<< 30
    var result = unsafeBitCast(unsafeBitCast(value, to: I.self) ^ sign, to: V.self)
    // Only the lanes that need it go to libm, so each lane's value depends on its own input alone.
    let magnitude = unsafeBitCast(unsafeBitCast(x, to: I.self) & I(repeating: 0x7fff_ffff), to: V.self)
    let far = magnitude .> V(repeating: sinReductionLimit)
    if any(far) {
      for i in 0..<8 where far[i] { result[i] = Foundation.sin(x[i]) }
    }
    return result
  }
}
