/// The loop shared by the strided reduce micro-kernels: out[j] = combine over i of x[i * rowStride + j].
///
/// Rows go in blocks whose columns fill about 16 KiB. Within a block, four (then one) 8-lane column
/// vectors are held in registers while they run down the block's rows, and go back to `out` between
/// blocks; leftover columns run the same way one at a time. Every output still combines its rows in
/// order, like the scalar loop, so the result does not depend on the blocking.
@inline(__always)
func f32ReduceStrided(
  _ x: UnsafePointer<Float>, rows: Int, rowStride: Int, cols: Int, out: UnsafeMutablePointer<Float>,
  identity: Float, vector: (SIMD8<Float>, SIMD8<Float>) -> SIMD8<Float>, scalar: (Float, Float) -> Float
) {
  out.update(repeating: identity, count: cols)
  let raw = UnsafeRawPointer(x)
  let outRaw = UnsafeMutableRawPointer(out)
  let rowBytes = rowStride &* 4
  let blockRows = max(1, 4096 / max(1, min(cols, 1024)))
  var i0 = 0
  while i0 < rows {
    let count = min(blockRows, rows &- i0)
    let block = raw + i0 &* rowBytes
    var j = 0
    while j &+ 32 <= cols {
      let o = outRaw + j &* 4
      var v0 = o.loadUnaligned(as: SIMD8<Float>.self)
      var v1 = o.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
      var v2 = o.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
      var v3 = o.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
      var p = block + j &* 4
      for _ in 0..<count {
        v0 = vector(v0, p.loadUnaligned(as: SIMD8<Float>.self))
        v1 = vector(v1, p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self))
        v2 = vector(v2, p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self))
        v3 = vector(v3, p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self))
        p += rowBytes
      }
      o.storeBytes(of: v0, as: SIMD8<Float>.self)
      o.storeBytes(of: v1, toByteOffset: 32, as: SIMD8<Float>.self)
      o.storeBytes(of: v2, toByteOffset: 64, as: SIMD8<Float>.self)
      o.storeBytes(of: v3, toByteOffset: 96, as: SIMD8<Float>.self)
      j &+= 32
    }
    while j &+ 8 <= cols {
      var v = outRaw.loadUnaligned(fromByteOffset: j &* 4, as: SIMD8<Float>.self)
      var p = block + j &* 4
      for _ in 0..<count {
        v = vector(v, p.loadUnaligned(as: SIMD8<Float>.self))
        p += rowBytes
      }
      outRaw.storeBytes(of: v, toByteOffset: j &* 4, as: SIMD8<Float>.self)
      j &+= 8
    }
    while j < cols {
      var s = out[j]
      var p = x + (i0 &* rowStride &+ j)
      for _ in 0..<count {
        s = scalar(s, p.pointee)
        p += rowStride
      }
      out[j] = s
      j &+= 1
    }
    i0 &+= count
  }
}
