/// teenygrad's op set. Every Tensor function is built from these; movement ops live in ``ShapeTracker``.
enum UnaryOp: Hashable, Sendable {
  case neg, exp2, log2, sin, sqrt
  /// Converts to a dtype (the value is rounded to what the dtype holds).
  case cast(DType)
}

/// Raw values number the ops in graph signatures (``CodeWriter``).
enum BinaryOp: Int, Hashable, Sendable {
  case add, sub, mul, div, max
  /// `a < b`, giving a bool.
  case cmplt
}

enum TernaryOp: Hashable, Sendable {
  /// `cond ? a : b`.
  case `where`
}

/// Raw values number the ops in graph signatures (``CodeWriter``).
enum ReduceOp: Int, Hashable, Sendable {
  case sum, max
}

/// How a base LazyBuffer gets its value.
enum LazyOp {
  /// Already holds a ``Buffer``.
  case buffer
  /// Every element is the value.
  case const(Float)
  /// Memory with no defined contents.
  case empty
  case unary(UnaryOp)
  case binary(BinaryOp)
  case ternary(TernaryOp)
  /// Reduces its source over the axes where `shape` is 1 and the source's is not.
  case reduce(ReduceOp)
  /// A copy of its source laid out contiguously.
  case contiguous

  var isElementwise: Bool {
    switch self {
    case .unary, .binary, .ternary: true
    default: false
    }
  }

  /// Counts the distinct LazyBuffer ops, for `tools/sz`.
  static let opCount = 5 + 6 + 1 + 2 + 4  // unary + binary + ternary + reduce + load/const/empty/contiguous
}
