/// Reductions of one evaluated chunk (registers hold `n` valid lanes; lanes past `n` are garbage).
enum ReduceChunk {
  typealias V = SIMD8<Float>

  @inline(__always)
  static func sum(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    let raw = UnsafeRawPointer(p)
    var a0 = V(), a1 = V()
    let full = n >> 3
    var i = 0
    while i + 1 < full {
      a0 += raw.load(fromByteOffset: i &* 32, as: V.self)
      a1 += raw.load(fromByteOffset: (i &+ 1) &* 32, as: V.self)
      i += 2
    }
    if i < full { a0 += raw.load(fromByteOffset: i &* 32, as: V.self) }
    var s = (a0 + a1).sum()
    for l in (full << 3)..<n { s += p[l] }
    return s
  }

  @inline(__always)
  static func max(_ p: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
    let raw = UnsafeRawPointer(p)
    var a = V(repeating: -.infinity)
    let full = n >> 3
    for i in 0..<full { a = VectorMath.maximum(a, raw.load(fromByteOffset: i &* 32, as: V.self)) }
    var m: Float = -.infinity
    for l in 0..<8 { m = combineMax(m, a[l]) }
    for l in (full << 3)..<n { m = combineMax(m, p[l]) }
    return m
  }

  @inline(__always)
  static func combineMax(_ a: Float, _ b: Float) -> Float {
    if a.isNaN || b.isNaN { return .nan }
    return a > b ? a : b
  }

  @inline(__always)
  static func accumulateSum(_ acc: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    ElementwiseOps.binary(.add, acc, p, acc, n)
  }

  @inline(__always)
  static func accumulateMax(_ acc: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    ElementwiseOps.binary(.max, acc, p, acc, n)
  }
}
