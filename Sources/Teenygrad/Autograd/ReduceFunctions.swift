final class SumFn: Function {
  var inputShape: [Int] = []
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.expand(inputShape)] }
}

final class MaxFn: Function {
  var x: LazyBuffer!, ret: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    // 1 where the max was taken (every tied position), the gradient shared among ties.
    let isMax = x.const(1).e(.sub, x.e(.cmplt, ret.expand(x.shape)).cast(x.dtype))
    let ties = isMax.r(.sum, grad.shape).expand(x.shape)
    return [isMax.e(.div, ties).e(.mul, grad.expand(x.shape))]
  }
}
