/// Building shapes with one allocation each: graph building makes several shapes per op, and a matrix product
/// of small operands spends most of its time allocating.
extension Array where Element == Int {
  /// A copy with `value` inserted before index `i`.
  func inserting(_ value: Int, at i: Int) -> [Int] {
    var out: [Int] = []
    out.reserveCapacity(count + 1)
    out.append(contentsOf: self[..<i])
    out.append(value)
    out.append(contentsOf: self[i...])
    return out
  }

  /// This shape with size-1 axes in front, to `rank` axes (itself when it has that many).
  func leftPadded(toCount rank: Int) -> [Int] {
    if count >= rank { return self }
    var out: [Int] = []
    out.reserveCapacity(rank)
    for _ in count..<rank { out.append(1) }
    out.append(contentsOf: self)
    return out
  }
}
