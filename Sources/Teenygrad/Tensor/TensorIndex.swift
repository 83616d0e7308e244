/// One entry of a subscript, as numpy and teenygrad index.
public enum TensorIndex: ExpressibleByIntegerLiteral {
  /// `t[2]`, `t[-1]`: picks one position and removes the axis.
  case index(Int)
  /// `t[start:stop:step]`; nil bounds default as in Python, negative steps run backwards.
  case range(Int?, Int?, step: Int = 1)
  /// `t[:]`: the whole axis.
  case all
  /// `t[None]`: inserts a size-1 axis.
  case newAxis
  /// `t[...]`: as many whole axes as needed.
  case ellipsis
  /// Fancy indexing with an int32 tensor of positions.
  case tensor(Tensor)

  /// An integer literal indexes one position.
  public init(integerLiteral value: Int) { self = .index(value) }
}
