/// Visits every index of a shape in row-major order (last axis fastest) with its strided offset, as an
/// odometer: each step adds one stride and unwinds the digits that wrap, so no index is ever divided out.
enum StridedWalk {
  /// Calls `body(position, offset, digits)` for each of the shape's elements; `digits` is the index.
  @inline(__always)
  static func forEach(shape: [Int], strides: [Int], _ body: (_ position: Int, _ offset: Int, _ digits: [Int]) -> Void) {
    let count = shape.reduce(1, *)
    var digits = [Int](repeating: 0, count: shape.count)
    var offset = 0
    for position in 0..<count {
      body(position, offset, digits)
      var d = shape.count - 1
      while d >= 0 {
        digits[d] += 1
        offset += strides[d]
        if digits[d] < shape[d] { break }
        offset -= strides[d] * shape[d]
        digits[d] = 0
        d -= 1
      }
    }
  }
}
