/// The element types a ``Tensor`` can hold (teenygrad's `dtypes`).
///
/// Arithmetic runs in `Float`; every dtype is converted on load and store. `float16` is a storage type.
public enum DType: Sendable, Hashable, CustomStringConvertible {
  case float32, float16, int32, uint8, bool

  /// Bytes per element.
  public var itemSize: Int {
    switch self {
    case .float32, .int32: 4
    case .float16: 2
    case .uint8, .bool: 1
    }
  }

  /// Whether the dtype holds floating-point values.
  public var isFloatingPoint: Bool { self == .float32 || self == .float16 }

  /// The name teenygrad prints (`dtypes.float`, ...), without the prefix.
  public var description: String {
    switch self {
    case .float32: "float32"
    case .float16: "float16"
    case .int32: "int32"
    case .uint8: "uint8"
    case .bool: "bool"
    }
  }

  /// Promotion order of binary ops: the result has the higher-priority dtype of its operands.
  var priority: Int {
    switch self {
    case .bool: 0
    case .uint8: 1
    case .int32: 2
    case .float16: 3
    case .float32: 4
    }
  }

  /// The dtype of a binary op's result.
  static func promoted(_ a: DType, _ b: DType) -> DType { a.priority >= b.priority ? a : b }

  /// The safetensors name of the dtype (`F32`, `F16`, `I32`, `U8`, `BOOL`).
  var safetensorsName: String {
    switch self {
    case .float32: "F32"
    case .float16: "F16"
    case .int32: "I32"
    case .uint8: "U8"
    case .bool: "BOOL"
    }
  }
}
