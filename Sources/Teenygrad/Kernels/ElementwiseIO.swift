/// Scalar conversions between stored dtypes and the `Float` that kernels compute in.
enum ElementIO {
  @inline(__always)
  static func load(_ base: UnsafeRawPointer, _ dtype: DType, _ i: Int) -> Float {
    switch dtype {
    case .float32: return base.load(fromByteOffset: i &* 4, as: Float.self)
    case .float16: return Float(base.load(fromByteOffset: i &* 2, as: Float16.self))
    case .int32: return Float(base.load(fromByteOffset: i &* 4, as: Int32.self))
    case .uint8: return Float(base.load(fromByteOffset: i, as: UInt8.self))
    case .bool: return base.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0
    }
  }

  @inline(__always)
  static func store(_ base: UnsafeMutableRawPointer, _ dtype: DType, _ i: Int, _ v: Float) {
    switch dtype {
    case .float32: base.storeBytes(of: v, toByteOffset: i &* 4, as: Float.self)
    case .float16: base.storeBytes(of: Float16(v), toByteOffset: i &* 2, as: Float16.self)
    case .int32: base.storeBytes(of: toInt32(v), toByteOffset: i &* 4, as: Int32.self)
    case .uint8: base.storeBytes(of: UInt8(truncatingIfNeeded: toInt32(v)), toByteOffset: i, as: UInt8.self)
    case .bool: base.storeBytes(of: v != 0 ? 1 : 0, toByteOffset: i, as: UInt8.self)
    }
  }

  /// Truncation toward zero as numpy's `astype` does; NaN becomes 0 and out-of-range values saturate.
  @inline(__always)
  static func toInt32(_ v: Float) -> Int32 {
    if v.isNaN { return 0 }
    if v >= 2147483520 { return .max }
    if v <= -2147483648 { return .min }
    return Int32(v.rounded(.towardZero))
  }

  /// Rounds a value to what `dtype` can hold, as a store followed by a load would.
  @inline(__always)
  static func quantize(_ v: Float, to dtype: DType) -> Float {
    switch dtype {
    case .float32: v
    case .float16: Float(Float16(v))
    case .int32: Float(toInt32(v))
    case .uint8: Float(UInt8(truncatingIfNeeded: toInt32(v)))
    case .bool: v != 0 ? 1 : 0
    }
  }
}
