/// A row-major array of `Float`s with a shape, and plain scalar loops for each op a random program uses: the
/// independent reference Teenygrad's kernels are checked against.
struct ReferenceArray: Equatable {
  var shape: [Int]
  var data: [Float]

  var count: Int { shape.reduce(1, *) }

  /// Row-major strides of `shape`.
  static func strides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var step = 1
    for axis in shape.indices.reversed() {
      strides[axis] = step
      step *= shape[axis]
    }
    return strides
  }

  /// Builds an array of `shape` whose element at each multi-index is `element(index)`.
  static func generate(_ shape: [Int], _ element: ([Int]) -> Float) -> ReferenceArray {
    let count = shape.reduce(1, *)
    var data = [Float]()
    data.reserveCapacity(count)
    var index = [Int](repeating: 0, count: shape.count)
    for _ in 0..<count {
      data.append(element(index))
      var axis = shape.count - 1
      while axis >= 0 {
        index[axis] += 1
        if index[axis] < shape[axis] { break }
        index[axis] = 0
        axis -= 1
      }
    }
    return ReferenceArray(shape: shape, data: data)
  }

  /// The element at a multi-index.
  func at(_ index: [Int]) -> Float {
    var flat = 0
    for (axis, stride) in Self.strides(shape).enumerated() { flat += index[axis] * stride }
    return data[flat]
  }

  func map(_ transform: (Float) -> Float) -> ReferenceArray {
    ReferenceArray(shape: shape, data: data.map(transform))
  }

  /// Combines with `other`, whose dimensions each equal this array's or are 1 (broadcast).
  func zip(_ other: ReferenceArray, _ combine: (Float, Float) -> Float) -> ReferenceArray {
    Self.generate(shape) { index in
      let otherIndex = index.enumerated().map { other.shape[$0.offset] == 1 ? 0 : $0.element }
      return combine(at(index), other.at(otherIndex))
    }
  }

  func permute(_ order: [Int]) -> ReferenceArray {
    Self.generate(order.map { shape[$0] }) { out in
      var source = [Int](repeating: 0, count: shape.count)
      for (k, axis) in order.enumerated() { source[axis] = out[k] }
      return at(source)
    }
  }

  func reshape(_ newShape: [Int]) -> ReferenceArray {
    ReferenceArray(shape: newShape, data: data)
  }

  func expand(_ newShape: [Int]) -> ReferenceArray {
    Self.generate(newShape) { out in at(out.enumerated().map { shape[$0.offset] == 1 ? 0 : $0.element }) }
  }

  func pad(_ padding: [(Int, Int)], value: Float = 0) -> ReferenceArray {
    Self.generate(zip2(shape, padding).map { $0 + $1.0 + $1.1 }) { out in
      var source = [Int]()
      for (axis, position) in out.enumerated() {
        let inner = position - padding[axis].0
        guard (0..<shape[axis]).contains(inner) else { return value }
        source.append(inner)
      }
      return at(source)
    }
  }

  func shrink(_ ranges: [(Int, Int)]) -> ReferenceArray {
    Self.generate(ranges.map { $1 - $0 }) { out in at(out.enumerated().map { $0.element + ranges[$0.offset].0 }) }
  }

  func flip(_ axis: Int) -> ReferenceArray {
    Self.generate(shape) { out in
      var source = out
      source[axis] = shape[axis] - 1 - out[axis]
      return at(source)
    }
  }

  /// Reduces `axis` with `combine` from `initial`, in index order, keeping it as size 1 when `keepdim`.
  func reduce(axis: Int, keepdim: Bool, initial: Float, _ combine: (Float, Float) -> Float) -> ReferenceArray {
    var kept = shape
    kept[axis] = 1
    let reduced = Self.generate(kept) { out in
      var accumulator = initial
      var source = out
      for position in 0..<shape[axis] {
        source[axis] = position
        accumulator = combine(accumulator, at(source))
      }
      return accumulator
    }
    if keepdim { return reduced }
    var dropped = shape
    dropped.remove(at: axis)
    return reduced.reshape(dropped)
  }
}

private func zip2<A, B>(_ a: [A], _ b: [B]) -> Zip2Sequence<[A], [B]> { zip(a, b) }
