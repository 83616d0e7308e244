/// -x.
public prefix func - (x: Tensor) -> Tensor { x.neg() }

/// Elementwise sum, broadcasting.
public func + (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.add(rhs) }
/// Adds a scalar.
public func + (lhs: Tensor, rhs: Float) -> Tensor { lhs.add(rhs) }
/// Adds to a scalar.
public func + (lhs: Float, rhs: Tensor) -> Tensor { rhs.scalar(lhs).add(rhs) }

/// Elementwise difference, broadcasting.
public func - (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.sub(rhs) }
/// Subtracts a scalar.
public func - (lhs: Tensor, rhs: Float) -> Tensor { lhs.sub(rhs) }
/// Subtracts from a scalar.
public func - (lhs: Float, rhs: Tensor) -> Tensor { rhs.scalar(lhs).sub(rhs) }

/// Elementwise product, broadcasting.
public func * (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.mul(rhs) }
/// Multiplies by a scalar.
public func * (lhs: Tensor, rhs: Float) -> Tensor { lhs.mul(rhs) }
/// Multiplies a scalar.
public func * (lhs: Float, rhs: Tensor) -> Tensor { rhs.scalar(lhs).mul(rhs) }

/// Elementwise quotient, broadcasting.
public func / (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.div(rhs) }
/// Divides by a scalar.
public func / (lhs: Tensor, rhs: Float) -> Tensor { lhs.div(rhs) }
/// Divides a scalar.
public func / (lhs: Float, rhs: Tensor) -> Tensor { rhs.scalar(lhs).div(rhs) }

/// Elementwise `lhs < rhs` as a bool tensor.
public func .< (lhs: Tensor, rhs: Tensor) -> Tensor { lhs.less(rhs) }
/// Elementwise `lhs < rhs` as a bool tensor.
public func .< (lhs: Tensor, rhs: Float) -> Tensor { lhs.less(lhs.scalar(rhs)) }
/// Elementwise `lhs < rhs` as a bool tensor.
public func .< (lhs: Float, rhs: Tensor) -> Tensor { rhs.scalar(lhs).less(rhs) }

/// Elementwise `lhs > rhs` as a bool tensor.
public func .> (lhs: Tensor, rhs: Tensor) -> Tensor { rhs.less(lhs) }
/// Elementwise `lhs > rhs` as a bool tensor.
public func .> (lhs: Tensor, rhs: Float) -> Tensor { lhs.scalar(rhs).less(lhs) }
/// Elementwise `lhs > rhs` as a bool tensor.
public func .> (lhs: Float, rhs: Tensor) -> Tensor { rhs.less(rhs.scalar(lhs)) }

/// Elementwise `lhs >= rhs` as a bool tensor.
public func .>= (lhs: Tensor, rhs: Tensor) -> Tensor { (lhs .< rhs).logicalNot() }
/// Elementwise `lhs >= rhs` as a bool tensor.
public func .>= (lhs: Tensor, rhs: Float) -> Tensor { (lhs .< rhs).logicalNot() }
/// Elementwise `lhs >= rhs` as a bool tensor.
public func .>= (lhs: Float, rhs: Tensor) -> Tensor { (lhs .< rhs).logicalNot() }

/// Elementwise `lhs <= rhs` as a bool tensor.
public func .<= (lhs: Tensor, rhs: Tensor) -> Tensor { (lhs .> rhs).logicalNot() }
/// Elementwise `lhs <= rhs` as a bool tensor.
public func .<= (lhs: Tensor, rhs: Float) -> Tensor { (lhs .> rhs).logicalNot() }
/// Elementwise `lhs <= rhs` as a bool tensor.
public func .<= (lhs: Float, rhs: Tensor) -> Tensor { (lhs .> rhs).logicalNot() }

/// Elementwise `lhs != rhs` as a bool tensor.
public func .!= (lhs: Tensor, rhs: Tensor) -> Tensor { (lhs .< rhs).where(Tensor(true), lhs .> rhs) }
/// Elementwise `lhs != rhs` as a bool tensor.
public func .!= (lhs: Tensor, rhs: Float) -> Tensor { lhs .!= lhs.scalar(rhs) }
/// Elementwise `lhs != rhs` as a bool tensor.
public func .!= (lhs: Float, rhs: Tensor) -> Tensor { rhs.scalar(lhs) .!= rhs }

/// Elementwise `lhs == rhs` as a bool tensor.
public func .== (lhs: Tensor, rhs: Tensor) -> Tensor { (lhs .!= rhs).logicalNot() }
/// Elementwise `lhs == rhs` as a bool tensor.
public func .== (lhs: Tensor, rhs: Float) -> Tensor { (lhs .!= rhs).logicalNot() }
/// Elementwise `lhs == rhs` as a bool tensor.
public func .== (lhs: Float, rhs: Tensor) -> Tensor { (lhs .!= rhs).logicalNot() }
