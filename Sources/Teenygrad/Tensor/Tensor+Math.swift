import Foundation

extension Tensor {
  // MARK: unary mlops

  /// -x.
  public func neg() -> Tensor { Function.apply(NegFn(), self) { _ in lazydata.e(.neg) } }

  /// The natural logarithm.
  public func log() -> Tensor {
    Function.apply(LogFn(), self) { f in
      f?.x = lazydata
      return lazydata.e(.log2).e(.mul, lazydata.const(LazyBuffer.ln2))
    }
  }

  /// The base-2 logarithm.
  public func log2() -> Tensor { log() / LazyBuffer.ln2 }

  /// e^x.
  public func exp() -> Tensor {
    Function.apply(ExpFn(), self) { f in
      let ret = lazydata.e(.mul, lazydata.const(1 / LazyBuffer.ln2)).e(.exp2)
      f?.ret = ret
      return ret
    }
  }

  /// 2^x.
  public func exp2() -> Tensor { (self * LazyBuffer.ln2).exp() }

  /// The square root.
  public func sqrt() -> Tensor {
    Function.apply(SqrtFn(), self) { f in
      let ret = lazydata.e(.sqrt)
      f?.ret = ret
      return ret
    }
  }

  /// 1 / sqrt(x).
  public func rsqrt() -> Tensor { reciprocal().sqrt() }

  /// The sine.
  public func sin() -> Tensor {
    Function.apply(SinFn(), self) { f in
      f?.x = lazydata
      return lazydata.e(.sin)
    }
  }

  /// The cosine.
  public func cos() -> Tensor { (Float.pi / 2 - self).sin() }
  /// The tangent.
  public func tan() -> Tensor { sin() / cos() }

  /// Rounds toward zero.
  public func trunc() -> Tensor { cast(.int32).contiguous().cast(dtype) }
  /// Rounds up.
  public func ceil() -> Tensor {
    let b = trunc()
    return (self .> b).where(b + 1, b)
  }
  /// Rounds down.
  public func floor() -> Tensor {
    let b = trunc()
    return (self .< b).where(b - 1, b)
  }

  /// x * x.
  public func square() -> Tensor { self * self }
  /// |x|.
  public func abs() -> Tensor { relu() + (-self).relu() }
  /// -1, 0 or 1 (approximately: x / (|x| + 1e-10), as teenygrad).
  public func sign() -> Tensor { self / (abs() + 1e-10) }
  /// 1 / x.
  public func reciprocal() -> Tensor { 1 / self }
  /// Clamps to `[min, max]`.
  public func clip(_ min: Float, _ max: Float) -> Tensor { maximum(min).minimum(max) }

  /// max(x, 0).
  public func relu() -> Tensor {
    Function.apply(ReluFn(), self) { f in
      let ret = lazydata.e(.max, lazydata.const(0))
      f?.ret = ret
      return ret
    }
  }

  /// 1 / (1 + e^-x).
  public func sigmoid() -> Tensor {
    Function.apply(SigmoidFn(), self) { f in
      let x = lazydata
      let e = x.e(.mul, x.const(-1 / LazyBuffer.ln2)).e(.exp2)
      let ret = x.const(1).e(.div, x.const(1).e(.add, e))
      f?.ret = ret
      return ret
    }
  }

  /// Converts to `dtype` (float to int truncates toward zero).
  public func cast(_ dtype: DType) -> Tensor {
    if dtype == self.dtype { return self }
    return Function.apply(CastFn(), self) { f in
      f?.inputDType = self.dtype
      return lazydata.cast(dtype)
    }
  }

  // MARK: broadcasting

  /// Both operands broadcast to one shape (teenygrad's `_broadcasted`).
  func broadcasted(_ other: Tensor, op: String) -> (Tensor, Tensor) {
    if shape == other.shape { return (self, other) }
    let rank = Swift.max(ndim, other.ndim)
    let a = shape.leftPadded(toCount: rank), b = other.shape.leftPadded(toCount: rank)
    var out: [Int] = []
    out.reserveCapacity(rank)
    for (x, y) in zip(a, b) {
      precondition(x == y || x == 1 || y == 1, "\(op): shapes \(shape) and \(other.shape) cannot broadcast")
      out.append(x == 1 ? y : x)
    }
    return (reshape(a).expand(out), other.reshape(b).expand(out))
  }

  /// A scalar as a tensor of this tensor's dtype (float32 for bool), as teenygrad converts Python numbers.
  func scalar(_ value: Float) -> Tensor {
    let d: DType = dtype == .bool ? .float32 : dtype
    return Tensor(lazy: .const(ElementIO.quantize(value, to: d), shape: [], dtype: d), requiresGrad: false)
  }

  private func binary<F: Function>(_ make: @autoclosure () -> F, _ other: Tensor, _ op: String,
                                   _ body: (F?, LazyBuffer, LazyBuffer) -> LazyBuffer) -> Tensor {
    let (x, y) = broadcasted(other, op: op)
    return Function.apply(make(), x, y) { f in body(f, x.lazydata, y.lazydata) }
  }

  /// self + other, broadcasting.
  public func add(_ other: Tensor) -> Tensor { binary(AddFn(), other, "add") { _, x, y in x.e(.add, y) } }
  /// self - other, broadcasting.
  public func sub(_ other: Tensor) -> Tensor { binary(SubFn(), other, "sub") { _, x, y in x.e(.sub, y) } }
  /// self * other, broadcasting.
  public func mul(_ other: Tensor) -> Tensor {
    binary(MulFn(), other, "mul") { f, x, y in
      f?.x = x; f?.y = y
      return x.e(.mul, y)
    }
  }
  /// self / other, broadcasting.
  public func div(_ other: Tensor) -> Tensor {
    binary(DivFn(), other, "div") { f, x, y in
      f?.x = x; f?.y = y
      return x.e(.div, y)
    }
  }

  /// self + value.
  public func add(_ value: Float) -> Tensor { add(scalar(value)) }
  /// self - value.
  public func sub(_ value: Float) -> Tensor { sub(scalar(value)) }
  /// self * value.
  public func mul(_ value: Float) -> Tensor { mul(scalar(value)) }
  /// self / value.
  public func div(_ value: Float) -> Tensor { div(scalar(value)) }

  /// self ^ exponent elementwise, with teenygrad's sign handling for negative bases.
  public func pow(_ exponent: Tensor) -> Tensor {
    let ar = abs().log().mul(exponent).exp()
    let sign = (exponent * Float.pi).cos()
    var baseSign = (self.sign() - 1) / -2
    baseSign = baseSign - (1.5 * (1 - self.sign().abs()))
    let toNan = ((exponent - exponent.trunc()) * 1e10).abs().clip(0, 1) * baseSign
    let injectNan = ((-toNan) * 2 + 1).log().add(1)
    return ar.mul(sign * baseSign + (1 - baseSign)).mul(injectNan)
  }

  /// self ^ exponent, with the usual shortcuts for 0.5, 1, 2, 3 and negative exponents.
  public func pow(_ exponent: Float) -> Tensor {
    if exponent < 0 { return reciprocal().pow(-exponent) }
    if exponent == 3 { return self * self * self }
    if exponent == 2 { return self * self }
    if exponent == 1 { return self }
    if exponent == 0.5 { return sqrt() }
    let ar = abs().log().mul(exponent).exp()
    let sign = Float(Foundation.cos(Double(exponent) * Double.pi))
    let baseSign = (self.sign() - 1) / -2 - (1.5 * (1 - self.sign().abs()))
    let isInteger = exponent == exponent.rounded(.towardZero)
    let result = ar.mul(sign * baseSign + (1 - baseSign))
    return isInteger ? result : result.mul((baseSign .> 0.5).where(Float.nan, 1))
  }

  /// The elementwise maximum; equal values average their gradients.
  public func maximum(_ other: Tensor) -> Tensor {
    (self .< other).detach().where(other, (self .> other).detach().where(self, (self + other) / 2))
  }
  /// The elementwise maximum with a scalar.
  public func maximum(_ other: Float) -> Tensor { maximum(scalar(other)) }
  /// The elementwise minimum.
  public func minimum(_ other: Tensor) -> Tensor { -((-self).maximum(-other)) }
  /// The elementwise minimum with a scalar.
  public func minimum(_ other: Float) -> Tensor { -((-self).maximum(-other)) }

  /// `self ? ifTrue : ifFalse` elementwise, broadcasting all three; self is the condition.
  public func `where`(_ ifTrue: Tensor, _ ifFalse: Tensor) -> Tensor {
    let (c1, a) = broadcasted(ifTrue, op: "where")
    let (c, b0) = c1.broadcasted(ifFalse, op: "where")
    let (a2, b) = a.broadcasted(b0, op: "where")
    let cond = c.broadcasted(a2, op: "where").0
    return Function.apply(WhereFn(), cond, a2, b) { f in
      f?.cond = cond.lazydata
      return cond.lazydata.e(.where, a2.lazydata, b.lazydata)
    }
  }
  /// `self ? ifTrue : ifFalse` with scalars (float32 result).
  public func `where`(_ ifTrue: Float, _ ifFalse: Float) -> Tensor {
    self.where(Tensor.full([], ifTrue), Tensor.full([], ifFalse))
  }
  /// `self ? ifTrue : ifFalse` with a scalar for the false case, of `ifTrue`'s dtype.
  public func `where`(_ ifTrue: Tensor, _ ifFalse: Float) -> Tensor { self.where(ifTrue, ifTrue.scalar(ifFalse)) }
  /// `self ? ifTrue : ifFalse` with a scalar for the true case, of `ifFalse`'s dtype.
  public func `where`(_ ifTrue: Float, _ ifFalse: Tensor) -> Tensor { self.where(ifFalse.scalar(ifTrue), ifFalse) }

  // MARK: comparisons

  func less(_ other: Tensor) -> Tensor {
    binary(LessFn(), other, "less") { _, x, y in x.e(.cmplt, y) }
  }

  func logicalNot() -> Tensor { self.where(Tensor(false), Tensor(true)) }

  // MARK: matmul

  /// The matrix product, with numpy's rules for 1-d and batched operands (teenygrad's `dot`).
  public func dot(_ w: Tensor) -> Tensor {
    let n1 = ndim, n2 = w.ndim
    precondition(n1 != 0 && n2 != 0, "dot: both arguments must be at least 1-d, got \(shape) and \(w.shape)")
    let wAxis = n2 >= 2 ? w.shape[n2 - 2] : w.shape[n2 - 1]
    precondition(shape[n1 - 1] == wAxis, "dot: cannot multiply \(shape) by \(w.shape)")
    if n1 == 2 && n2 == 2 && dtype == w.dtype && dtype != .bool && !shape.contains(0) && !w.shape.contains(0) {
      return Function.apply(MatmulFn(), self, w) { f in MatmulFn.forward(f, lazydata, w.lazydata) }
    }
    // Both matrices get a size-1 axis that broadcasts against the other's columns or rows.
    let matrices = n1 >= 2 && n2 >= 2
    let x = matrices ? reshape(shape.inserting(1, at: n1 - 1)) : self
    let wr = (matrices ? w.reshape(w.shape.inserting(1, at: n2 - 2)) : w).transpose(-1, -Swift.min(n2, 2))
    return (x * wr).sum(axis: -1)
  }

  /// The matrix product (same as ``dot(_:)``).
  public func matmul(_ other: Tensor) -> Tensor { dot(other) }
}

extension Tensor {
  /// A bool scalar.
  convenience init(_ value: Bool) { self.init([value], shape: []) }
}
