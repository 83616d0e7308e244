/// Broadcasting; the gradient sums over the broadcast axes.
final class ExpandFn: Function {
  var inputShape: [Int] = []
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.r(.sum, inputShape)] }
}

final class ReshapeFn: Function {
  var inputShape: [Int] = []
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.reshape(inputShape)] }
}

final class PermuteFn: Function {
  var order: [Int] = []
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    var inverse = [Int](repeating: 0, count: order.count)
    for (i, o) in order.enumerated() { inverse[o] = i }
    return [grad.permute(inverse)]
  }
}

final class PadFn: Function {
  var inverse: [(Int, Int)] = []
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.shrink(inverse)] }
}

final class ShrinkFn: Function {
  var inverse: [(Int, Int)] = []
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.pad(inverse)] }
}

final class FlipFn: Function {
  var axes: [Bool] = []
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.flip(axes)] }
}

/// Sliding windows (a strided view); the gradient adds each kernel tap's slice back at its input positions
/// (col2im as kernel-count shifted, padded slices summed in one fused kernel).
final class WindowFn: Function {
  var inputShape: [Int] = []
  var kernel: [Int] = [], strides: [Int] = [], dilation: [Int] = []

  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    let n = kernel.count, p = inputShape.count - n
    let out = Array(grad.shape[p..<(p + n)])
    if (0..<n).allSatisfy({ strides[$0] == kernel[$0] && dilation[$0] == 1 }) {
      // Windows tile the input: the gradient is the window axes interleaved back, padded past the last window.
      let order = Array(0..<p) + (0..<n).flatMap { [p + $0, p + n + $0] }
      // When windows do not reach the end, the padding below would leave the interleaved reshape as a second
      // view; laying the interleaved gradient out contiguously first (fused into the kernel that computes it)
      // keeps every later read a single strided view.
      let fits = (0..<n).allSatisfy { out[$0] * kernel[$0] == inputShape[p + $0] }
      let interleaved = fits ? grad.permute(order) : grad.permute(order).contiguous()
      let tiled = interleaved.reshape(Array(inputShape.prefix(p)) + (0..<n).map { out[$0] * kernel[$0] })
      return [tiled.pad(inputShape.indices.map { $0 < p ? (0, 0) : (0, inputShape[$0] - tiled.shape[$0]) })]
    }
    var total: LazyBuffer?
    for tap in 0..<kernel.reduce(1, *) {
      var t = [Int](repeating: 0, count: n)
      var rest = tap
      for i in (0..<n).reversed() { t[i] = rest % kernel[i]; rest /= kernel[i] }
      let keep = grad.shape.prefix(p + n).map { (0, $0) }
      var g = grad.shrink(keep + t.map { ($0, $0 + 1) }).reshape(Array(inputShape.prefix(p)) + out)
      for i in 0..<n {
        let axis = p + i
        if strides[i] > 1 {
          // Spread the positions stride apart: (o) -> (o, 1) -> pad to (o, s) -> (o * s).
          var shape = g.shape
          shape.insert(1, at: axis + 1)
          g = g.reshape(shape)
          var arg = shape.map { _ in (0, 0) }
          arg[axis + 1] = (0, strides[i] - 1)
          g = g.pad(arg)
          var merged = g.shape
          merged[axis] *= strides[i]
          merged.remove(at: axis + 1)
          g = g.reshape(merged)
        }
        let before = t[i] * dilation[i]
        let length = g.shape[axis]
        let after = inputShape[axis] - before - length
        var arg = g.shape.map { _ in (0, 0) }
        arg[axis] = (before, Swift.max(after, 0))
        g = g.pad(arg)
        if after < 0 {
          g = g.shrink(g.shape.enumerated().map { $0.offset == axis ? (0, inputShape[axis]) : (0, $0.element) })
        }
      }
      total = total.map { $0.e(.add, g) } ?? g
    }
    return [total]
  }
}
