extension Tensor {
  /// Normalizes a possibly negative axis.
  func axis(_ a: Int, rank: Int? = nil, op: String = "axis") -> Int {
    let r = Swift.max(rank ?? ndim, 1)  // a scalar accepts axis 0 and -1, as PyTorch does
    let n = a < 0 ? a + r : a
    precondition(n >= 0 && n < r, "\(op): axis \(a) is out of range for shape \(shape)")
    return n
  }

  /// The same elements under a new shape; one entry may be -1 (inferred).
  public func reshape(_ shape: Int...) -> Tensor { reshape(shape) }

  /// The same elements under a new shape; one entry may be -1 (inferred).
  public func reshape(_ newShape: [Int]) -> Tensor {
    var known = 1, inferred: Int? = nil
    for (d, size) in newShape.enumerated() {
      if size == -1 {
        precondition(inferred == nil, "reshape: only one -1 is allowed in \(newShape)")
        inferred = d
      } else {
        known &*= size
      }
    }
    let numel = self.numel
    var resolved = newShape
    if let d = inferred { resolved[d] = known == 0 ? 0 : numel / known }
    precondition(resolved.allSatisfy { $0 >= 0 } && resolved.reduce(1, *) == numel,
                 "reshape: cannot reshape \(shape) to \(newShape)")
    if resolved == shape { return self }
    return Function.apply(ReshapeFn(), self) { f in
      f?.inputShape = shape
      return lazydata.reshape(resolved)
    }
  }

  /// Broadcasts size-1 axes to `shape` (-1 keeps an axis).
  public func expand(_ shape: Int...) -> Tensor { expand(shape) }

  /// Broadcasts size-1 axes to `shape` (-1 keeps an axis); new leading axes are added as needed.
  public func expand(_ newShape: [Int]) -> Tensor {
    precondition(newShape.count >= ndim, "expand: cannot expand \(shape) to \(newShape)")
    let padded = newShape.count > ndim ? reshape(shape.leftPadded(toCount: newShape.count)) : self
    let resolved = newShape.contains(-1) ? zip(padded.shape, newShape).map { $1 == -1 ? $0 : $1 } : newShape
    for (s, n) in zip(padded.shape, resolved) {
      precondition(s == n || s == 1, "expand: cannot expand \(shape) to \(newShape)")
    }
    if resolved == padded.shape { return padded }
    return Function.apply(ExpandFn(), padded) { f in
      f?.inputShape = padded.shape
      return padded.lazydata.expand(resolved)
    }
  }

  /// Reorders the axes.
  public func permute(_ order: Int...) -> Tensor { permute(order) }

  /// Reorders the axes.
  public func permute(_ order: [Int]) -> Tensor {
    let o = order.allSatisfy({ (0..<ndim).contains($0) }) ? order : order.map { axis($0, op: "permute") }
    precondition(o.count == ndim && (0..<ndim).allSatisfy(o.contains),
                 "permute: \(order) is not a permutation of \(ndim) axes")
    if o.indices.allSatisfy({ o[$0] == $0 }) { return self }
    return Function.apply(PermuteFn(), self) { f in
      f?.order = o
      return lazydata.permute(o)
    }
  }

  /// Reverses the given axes.
  public func flip(_ axes: Int...) -> Tensor { flip(axes) }

  func flip(_ axes: [Int]) -> Tensor {
    let set = Set(axes.map { axis($0, op: "flip") })
    let marks = (0..<ndim).map { set.contains($0) }
    return Function.apply(FlipFn(), self) { f in
      f?.axes = marks
      return lazydata.flip(marks)
    }
  }

  /// Keeps `[begin, end)` of each axis (nil keeps the whole axis).
  public func shrink(_ arg: [(Int, Int)?]) -> Tensor {
    precondition(arg.count == ndim, "shrink: \(arg.count) ranges for shape \(shape)")
    let a = zip(arg, shape).map { $0 ?? (0, $1) }
    for (r, s) in zip(a, shape) {
      precondition(0 <= r.0 && r.0 <= r.1 && r.1 <= s, "shrink: range \(r) is out of bounds for shape \(shape)")
    }
    if zip(a, shape).allSatisfy({ $0 == (0, $1) }) { return self }
    return Function.apply(ShrinkFn(), self) { f in
      f?.inverse = zip(a, shape).map { ($0.0, $1 - $0.1) }
      return lazydata.shrink(a)
    }
  }

  /// Pads each axis with `(before, after)` elements of `value` (nil: no padding).
  public func pad(_ arg: [(Int, Int)?], value: Float = 0) -> Tensor {
    precondition(arg.count == ndim, "pad: \(arg.count) pairs for shape \(shape)")
    let a = arg.map { $0 ?? (0, 0) }
    precondition(a.allSatisfy { $0.0 >= 0 && $0.1 >= 0 }, "pad: negative padding \(a)")
    if a.allSatisfy({ $0 == (0, 0) }) { return self }
    let padded = zeroPadded(a)
    return value == 0 ? padded : padded + onesLike().zeroPadded(a).where(0, value)
  }

  private func zeroPadded(_ a: [(Int, Int)]) -> Tensor {
    Function.apply(PadFn(), self) { f in
      f?.inverse = zip(a, shape).map { ($0.0, $0.0 + $1) }
      return lazydata.pad(a)
    }
  }

  /// Pads and/or crops (negative values crop) the last axes: `(left, right, top, bottom, ...)`.
  public func pad2d(_ padding: [Int], value: Float = 0) -> Tensor {
    precondition(padding.count % 2 == 0 && padding.count / 2 <= ndim, "pad2d: bad padding \(padding) for shape \(shape)")
    let k = padding.count / 2
    var arg: [(Int, Int)] = shape.map { (0, $0) }
    for i in 0..<k {
      let d = ndim - 1 - i
      arg[d] = (-padding[2 * i], shape[d] + padding[2 * i + 1])
    }
    return slice(arg, value: value)
  }

  /// teenygrad's `slice`: ranges may start below 0 or end past the axis; the outside is `value`.
  func slice(_ arg: [(Int, Int)], value: Float = 0) -> Tensor {
    let padding = arg.enumerated().map { i, p in (Swift.max(0, -p.0), Swift.max(0, p.1 - shape[i])) }
    let padded = pad(padding, value: value)
    return padded.shrink(arg.enumerated().map { i, p in (p.0 + padding[i].0, p.1 + padding[i].0) })
  }

  /// Swaps two axes.
  public func transpose(_ ax1: Int = 1, _ ax2: Int = 0) -> Tensor {
    var order = Array(0..<ndim)
    order.swapAt(axis(ax1, op: "transpose"), axis(ax2, op: "transpose"))
    return permute(order)
  }

  /// The transpose of a matrix (axes 1 and 0 swapped).
  public var T: Tensor { transpose() }

  /// Merges the axes from `startDim` on into one.
  public func flatten(startDim: Int = 0) -> Tensor {
    let s = startDim < 0 ? startDim + ndim : startDim
    return reshape(Array(shape[0..<s]) + [-1])
  }

  /// Removes size-1 axes (all, or the given one).
  public func squeeze(_ dim: Int? = nil) -> Tensor {
    guard let dim else { return reshape(shape.filter { $0 != 1 }) }
    if ndim == 0 && dim <= 0 { return self }
    let d = axis(dim, op: "squeeze")
    return shape[d] != 1 ? self : reshape(shape.enumerated().filter { $0.offset != d }.map(\.element))
  }

  /// Inserts a size-1 axis at `dim`.
  public func unsqueeze(_ dim: Int) -> Tensor {
    let d = dim < 0 ? ndim + dim + 1 : dim
    precondition(d >= 0 && d <= ndim, "unsqueeze: dim \(dim) is out of range for shape \(shape)")
    return reshape(Array(shape[0..<d]) + [1] + Array(shape[d...]))
  }
}
