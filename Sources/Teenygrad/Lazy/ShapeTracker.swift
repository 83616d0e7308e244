/// A stack of ``View``s: the last view's shape is the tensor's shape, and each view indexes the one before it as
/// a contiguous array of that view's shape. The first view indexes the buffer.
///
/// Movement ops rewrite the last view; a reshape that the strides cannot express pushes a new view. Nothing is
/// ever copied.
struct ShapeTracker: Hashable, Sendable {
  private(set) var views: [View]

  init(views: [View]) {
    precondition(!views.isEmpty, "a ShapeTracker needs at least one view")
    self.views = views
    simplify()
  }

  static func contiguous(_ shape: [Int]) -> ShapeTracker { ShapeTracker(views: [.contiguous(shape)]) }

  var shape: [Int] { views[views.count - 1].shape }
  var size: Int { shape.reduce(1, *) }
  var isSingleView: Bool { views.count == 1 }
  var isContiguous: Bool { views.count == 1 && views[0].isContiguous }
  var hasMask: Bool { views.contains { $0.mask != nil } }
  var last: View { views[views.count - 1] }

  private func replacingLast(_ v: View) -> ShapeTracker {
    var copy = self
    copy.views[copy.views.count - 1] = v
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
    copy.views.append(.contiguous(newShape))
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
  }

  /// `top` read through `below` as one view, or nil.
  private static func merge(_ top: View, onto below: View) -> View? {
    if top.isContiguous, top.size == below.size, let merged = below.reshaped(top.shape) { return merged }
    return top.merged(onto: below)
  }

  /// The buffer index of element `idx` (in this tracker's shape), or nil where the element is padding.
  func bufferIndex(_ idx: [Int]) -> Int? {
    let top = views[views.count - 1]
    if let m = top.mask {
      for d in idx.indices where !m[d].contains(idx[d]) { return nil }
    }
    var flat = top.offset
    for d in idx.indices { flat &+= idx[d] &* top.strides[d] }
    var v = views.count - 1
    while v > 0 {
      v -= 1
      let view = views[v]
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
