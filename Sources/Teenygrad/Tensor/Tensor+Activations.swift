extension Tensor {
  /// Returns the hyperbolic tangent, elementwise: `2 * sigmoid(2x) - 1` (teenygrad's `tanh`).
  public func tanh() -> Tensor {
    2 * (2 * self).sigmoid() - 1
  }

  /// Returns the exponential linear unit, elementwise: `x` for positive `x`, `alpha * (e^x - 1)` otherwise
  /// (teenygrad's `elu`).
  public func elu(alpha: Float = 1) -> Tensor {
    relu() - alpha * (1 - exp()).relu()
  }

  /// Returns the continuously differentiable ELU, elementwise: `max(0, x) + min(0, alpha * (e^(x/alpha) - 1))`
  /// (teenygrad's `celu`).
  public func celu(alpha: Float = 1) -> Tensor {
    let negative = (alpha * ((self / alpha).exp() - 1)).minimum(0)
    return maximum(0) + negative
  }

  /// Returns `x * sigmoid(x)`, elementwise (teenygrad's `swish`).
  public func swish() -> Tensor {
    self * sigmoid()
  }

  /// Returns the sigmoid linear unit `x * sigmoid(x)`, the same function as ``swish()`` (teenygrad's `silu`).
  public func silu() -> Tensor {
    swish()
  }

  /// Returns `min(max(x, 0), 6)`, elementwise, as `relu(x) - relu(x - 6)` (teenygrad's `relu6`).
  public func relu6() -> Tensor {
    relu() - (self - 6).relu()
  }

  /// Returns `x * relu6(x + 3) / 6`, elementwise (teenygrad's `hardswish`).
  public func hardswish() -> Tensor {
    self * (self + 3).relu6() * (1 / Float(6))
  }

  /// Returns the hyperbolic sine `(e^x - e^-x) / 2`, elementwise (teenygrad's `sinh`).
  public func sinh() -> Tensor {
    (exp() - neg().exp()) / 2
  }

  /// Returns the hyperbolic cosine `(e^x + e^-x) / 2`, elementwise (teenygrad's `cosh`).
  public func cosh() -> Tensor {
    (exp() + neg().exp()) / 2
  }

  /// Returns the inverse hyperbolic tangent `log((1 + x) / (1 - x)) / 2`, elementwise (teenygrad's `atanh`).
  public func atanh() -> Tensor {
    ((1 + self) / (1 - self)).log() / 2
  }

  /// Returns the inverse hyperbolic sine `log(x + sqrt(x^2 + 1))`, elementwise (teenygrad's `asinh`).
  public func asinh() -> Tensor {
    (self + (square() + 1).sqrt()).log()
  }

  /// Returns the inverse hyperbolic cosine `log(x + sqrt(x^2 - 1))`, elementwise (teenygrad's `acosh`).
  public func acosh() -> Tensor {
    (self + (square() - 1).sqrt()).log()
  }

  /// Returns `x` clipped to `[minVal, maxVal]`, elementwise (teenygrad's `hardtanh`).
  public func hardtanh(minVal: Float = -1, maxVal: Float = 1) -> Tensor {
    clip(minVal, maxVal)
  }

  /// Returns the Gaussian error linear unit in its tanh approximation,
  /// `0.5 * x * (1 + tanh(0.7978845608 * x * (1 + 0.044715 * x^2)))` (teenygrad's `gelu`).
  public func gelu() -> Tensor {
    let inner = self * 0.7978845608 * (1 + 0.044715 * self * self)
    return 0.5 * self * (1 + inner.tanh())
  }

  /// Returns `x * sigmoid(1.702 * x)`, elementwise (teenygrad's `quick_gelu`).
  public func quickGelu() -> Tensor {
    self * (self * 1.702).sigmoid()
  }

  /// Returns `x` for positive `x` and `negSlope * x` otherwise, elementwise (teenygrad's `leakyrelu`).
  public func leakyRelu(negSlope: Float = 0.01) -> Tensor {
    relu() - (-negSlope * self).relu()
  }

  /// Returns `x * tanh(softplus(x))`, elementwise (teenygrad's `mish`).
  public func mish() -> Tensor {
    self * softplus().tanh()
  }

  /// Returns `log(1 + e^(beta * x)) / beta`, elementwise (teenygrad's `softplus`).
  public func softplus(beta: Float = 1) -> Tensor {
    (1 / beta) * (1 + (self * beta).exp()).log()
  }

  /// Returns `x / (1 + |x|)`, elementwise (teenygrad's `softsign`).
  public func softsign() -> Tensor {
    self / (1 + abs())
  }
}
