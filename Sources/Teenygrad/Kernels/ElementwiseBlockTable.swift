/// One view's offsets over a gather block (the trailing output axes), built once per distinct view and block
/// and shared by every kernel that reads such a view: a training loop runs the same kernels step after step.
///
/// The table never holds padding: a lane the view masks out gets the offset of a lane it keeps, so every
/// gather is a plain load, and the lane mask (all ones where kept, zero where masked) clears those lanes.
final class BlockTable: @unchecked Sendable {
  let offsets: UnsafeMutablePointer<Int>
  /// Set when the view masks out some block lanes.
  let laneMask: UnsafeMutablePointer<UInt32>?
  /// The view masks out every block lane: the input reads as zeros.
  let allPadded: Bool
  /// The offset is the lane itself: block rows load as copies or in place.
  let rowContiguous: Bool
  /// The pattern block rows load with when neither padded nor contiguous.
  let rowLoad: RowLoad

  private struct Key: Hashable {
    var shape: [Int]
    var strides: [Int]
    var lower: [Int]?
    var upper: [Int]?
  }

  private static let cache = BoundedCache<Key, BlockTable>(capacity: 512)

  /// The table for a view with these block-axis strides and mask, from the cache or built now.
  static func cached(shape: [Int], strides: [Int], mask: [Range<Int>]?) -> BlockTable {
    let key = Key(shape: shape, strides: strides, lower: mask?.map(\.lowerBound), upper: mask?.map(\.upperBound))
    return cache.value(for: key) { BlockTable(shape: shape, strides: strides, mask: mask) }
  }

  private init(shape: [Int], strides: [Int], mask: [Range<Int>]?) {
    let count = shape.reduce(1, *)
    let table = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, count))
    var keep: Int?
    var padded = false
    StridedWalk.forEach(shape: shape, strides: strides) { p, o, idx in
      var valid = true
      if let mask { for d in shape.indices where !mask[d].contains(idx[d]) { valid = false; break } }
      table[p] = valid ? o : GatherEvaluator.padding
      if valid { keep = keep ?? o } else { padded = true }
    }
    offsets = table
    allPadded = keep == nil
    if let keep, padded {
      let lanes = UnsafeMutablePointer<UInt32>.allocate(capacity: count)
      for p in 0..<count {
        let kept = !GatherEvaluator.isPadding(table[p])
        lanes[p] = kept ? .max : 0
        if !kept { table[p] = keep }
      }
      laneMask = lanes
    } else {
      laneMask = nil
    }
    rowContiguous = keep != nil && !padded && (0..<count).allSatisfy { table[$0] == $0 }
    rowLoad = keep != nil && !padded && !rowContiguous
      ? RowLoad.classify(shape.indices.map { (shape[$0], strides[$0]) }) : .gather
  }

  deinit {
    offsets.deallocate()
    laneMask?.deallocate()
  }
}
