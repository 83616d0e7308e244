/// A stack of ``View``s: the last view's shape is the tensor's shape, and each view indexes the one before it as
/// a contiguous array of that view's shape. The first view indexes the buffer.
///
/// Movement ops rewrite the last view; a reshape that the strides cannot express pushes a new view. Nothing is
/// ever copied.
struct ShapeTracker: Hashable, Sendable {
  /// The views below the last, the one that indexes the buffer first. Empty for a single view, the common
  /// case, so that such a tracker needs no array of its own and a movement op copies nothing but one View.
  private(set) var lower: [View]
  /// The view whose shape is the tensor's shape.
  private(set) var last: View

  init(views: [View]) {
    precondition(!views.isEmpty, "a ShapeTracker needs at least one view")
    lower = Array(views.dropLast())
    last = views[views.count - 1]
    simplify()
  }

  /// A tracker of one view.
  init(_ view: View) {
    lower = []
    last = view
  }

  static func contiguous(_ shape: [Int]) -> ShapeTracker { ShapeTracker(.contiguous(shape)) }

  /// Every view, the one that indexes the buffer first (an array built on each call).
  var views: [View] { lower + [last] }
  var viewCount: Int { lower.count + 1 }
  /// The view that indexes the buffer.
  var bufferView: View { lower.first ?? last }
  var shape: [Int] { last.shape }
  var size: Int { shape.reduce(1, *) }
  var isSingleView: Bool { lower.isEmpty }
  var isContiguous: Bool { lower.isEmpty && last.isContiguous }
  var hasMask: Bool { last.mask != nil || lower.contains { $0.mask != nil } }

  private func replacingLast(_ v: View) -> ShapeTracker {
    var copy = self
    copy.last = v
    copy.simplify()
    return copy
  }

  func permuted(_ order: [Int]) -> ShapeTracker { replacingLast(last.permuted(order)) }
  func expanded(_ shape: [Int]) -> ShapeTracker { replacingLast(last.expanded(shape)) }
  func padded(_ arg: [(Int, Int)]) -> ShapeTracker { replacingLast(last.padded(arg)) }
  func shrunk(_ arg: [(Int, Int)]) -> ShapeTracker { replacingLast(last.shrunk(arg)) }
  func flipped(_ axes: [Bool]) -> ShapeTracker { replacingLast(last.flipped(axes)) }

  func reshaped(_ newShape: [Int]) -> ShapeTracker {
    if let v = last.reshaped(newShape) { return replacingLast(v) }
    var copy = self
    copy.lower.append(last)
    copy.last = .contiguous(newShape)
    copy.simplify()
    return copy
  }

  /// This tracker applied on top of `inner`, whose shape this tracker's first view reads as a contiguous array.
  func composed(onto inner: ShapeTracker) -> ShapeTracker {
    ShapeTracker(views: inner.views + views)
  }

  /// Drops views that change nothing and merges neighbours. A contiguous view below another maps flat indices
  /// to themselves; a contiguous view merges into the one below when that one can take its shape; any view
  /// merges onto the one below when each of its axes walks one axis of that view (``View/merged(onto:)``).
  private mutating func simplify() {
    guard !lower.isEmpty else { return }
    var views = lower
    views.append(last)
    var changed = true
    while changed && views.count > 1 {
      changed = false
      var i = 0
      while i < views.count - 1 {
        if views[i].isContiguous { views.remove(at: i); changed = true } else { i += 1 }
      }
      var top = views.count - 1
      while top > 0 {
        if let merged = Self.merge(views[top], onto: views[top - 1]) {
          views[top - 1] = merged
          views.remove(at: top)
          changed = true
        }
        top -= 1
      }
    }
    last = views.removeLast()
    lower = views
  }

  /// `top` read through `below` as one view, or nil.
  private static func merge(_ top: View, onto below: View) -> View? {
    if top.isContiguous, top.size == below.size, let merged = below.reshaped(top.shape) { return merged }
    return top.merged(onto: below)
  }

  /// The buffer index of element `idx` (in this tracker's shape), or nil where the element is padding.
  func bufferIndex(_ idx: [Int]) -> Int? {
    let top = last
    if let m = top.mask {
      for d in idx.indices where !m[d].contains(idx[d]) { return nil }
    }
    var flat = top.offset
    for d in idx.indices { flat &+= idx[d] &* top.strides[d] }
    for view in lower.reversed() {
      var rest = flat
      var offset = view.offset
      for d in stride(from: view.shape.count - 1, through: 0, by: -1) {
        let n = view.shape[d]
        let i = rest % n
        rest /= n
        if let m = view.mask, !m[d].contains(i) { return nil }
        offset &+= i &* view.strides[d]
      }
      flat = offset
    }
    return flat
  }
}
