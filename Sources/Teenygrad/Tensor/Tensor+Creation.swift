extension Tensor {
  /// A float32 tensor holding `scalars` in row-major order; `shape` defaults to `[scalars.count]`.
  public convenience init(_ scalars: [Float], shape: [Int]? = nil, requiresGrad: Bool? = nil) {
    let shape = shape ?? [scalars.count]
    precondition(shape.reduce(1, *) == scalars.count, "Tensor: \(scalars.count) values cannot have shape \(shape)")
    self.init(lazy: .fromFloats(scalars, shape: shape, dtype: .float32), requiresGrad: requiresGrad)
  }

  /// A float32 matrix from its rows, which must all have the same length.
  public convenience init(_ rows: [[Float]], requiresGrad: Bool? = nil) {
    let cols = rows.first?.count ?? 0
    precondition(rows.allSatisfy { $0.count == cols }, "Tensor: rows have different lengths")
    self.init(rows.flatMap { $0 }, shape: [rows.count, cols], requiresGrad: requiresGrad)
  }

  /// An int32 tensor.
  public convenience init(_ scalars: [Int32], shape: [Int]? = nil) {
    let shape = shape ?? [scalars.count]
    precondition(shape.reduce(1, *) == scalars.count, "Tensor: \(scalars.count) values cannot have shape \(shape)")
    let bytes = scalars.withUnsafeBytes { [UInt8]($0) }
    self.init(lazy: .fromBytes(bytes, shape: shape, dtype: .int32))
  }

  /// An int32 tensor from Swift integers (so `Tensor([1, 2, 3])` is int32, as in numpy and PyTorch).
  public convenience init(_ scalars: [Int], shape: [Int]? = nil) {
    self.init(scalars.map { Int32(truncatingIfNeeded: $0) }, shape: shape)
  }

  /// A bool tensor.
  public convenience init(_ scalars: [Bool], shape: [Int]? = nil) {
    let shape = shape ?? [scalars.count]
    precondition(shape.reduce(1, *) == scalars.count, "Tensor: \(scalars.count) values cannot have shape \(shape)")
    self.init(lazy: .fromBytes(scalars.map { $0 ? 1 : 0 }, shape: shape, dtype: .bool))
  }

  /// A float32 scalar (shape `[]`).
  public convenience init(_ scalar: Float, requiresGrad: Bool? = nil) {
    self.init([scalar], shape: [], requiresGrad: requiresGrad)
  }

  /// A tensor whose elements are all `value` (no memory until realized).
  public static func full(_ shape: [Int], _ value: Float, dtype: DType = .float32) -> Tensor {
    precondition(shape.allSatisfy { $0 >= 0 }, "full: negative size in shape \(shape)")
    return Tensor(lazy: .const(ElementIO.quantize(value, to: dtype), shape: shape, dtype: dtype))
  }

  /// Zeros of the given shape.
  public static func zeros(_ shape: Int..., dtype: DType = .float32, requiresGrad: Bool? = nil) -> Tensor {
    zeros(shape, dtype: dtype, requiresGrad: requiresGrad)
  }

  /// Zeros of the given shape.
  public static func zeros(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool? = nil) -> Tensor {
    let t = full(shape, 0, dtype: dtype)
    t.requiresGrad = requiresGrad
    return t
  }

  /// Ones of the given shape.
  public static func ones(_ shape: Int..., dtype: DType = .float32, requiresGrad: Bool? = nil) -> Tensor {
    ones(shape, dtype: dtype, requiresGrad: requiresGrad)
  }

  /// Ones of the given shape.
  public static func ones(_ shape: [Int], dtype: DType = .float32, requiresGrad: Bool? = nil) -> Tensor {
    let t = full(shape, 1, dtype: dtype)
    t.requiresGrad = requiresGrad
    return t
  }

  /// A tensor with unspecified contents.
  public static func empty(_ shape: Int..., dtype: DType = .float32) -> Tensor {
    Tensor(lazy: .empty(shape: shape, dtype: dtype))
  }

  /// `start, start + step, ...` up to but excluding `stop` (with one argument: `0..<start`).
  public static func arange(_ start: Float, _ stop: Float? = nil, step: Float = 1, dtype: DType = .float32) -> Tensor {
    let (lo, hi) = stop.map { (start, $0) } ?? (0, start)
    precondition(step != 0, "arange: step must not be zero")
    let count = Swift.max(0, Int(((hi - lo) / step).rounded(.up)))
    return Tensor(lazy: .fromFloats((0..<count).map { lo + Float($0) * step }, shape: [count], dtype: dtype))
  }

  /// The n x n identity matrix.
  public static func eye(_ n: Int, dtype: DType = .float32) -> Tensor {
    var values = [Float](repeating: 0, count: n * n)
    for i in 0..<n { values[i * n + i] = 1 }
    return Tensor(lazy: .fromFloats(values, shape: [n, n], dtype: dtype))
  }

  /// A tensor of this shape and dtype filled with `value`.
  public func fullLike(_ value: Float) -> Tensor { Tensor.full(shape, value, dtype: dtype) }
  /// Zeros of this shape and dtype.
  public func zerosLike() -> Tensor { fullLike(0) }
  /// Ones of this shape and dtype.
  public func onesLike() -> Tensor { fullLike(1) }
}
