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
