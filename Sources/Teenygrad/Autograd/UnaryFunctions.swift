import Foundation

final class ContiguousFn: Function {
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad] }
}

final class ContiguousBackwardFn: Function {
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.contiguous()] }
}

final class CastFn: Function {
  var inputDType = DType.float32
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.cast(inputDType)] }
}

final class ZeroFn: Function {
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.const(0)] }
}

final class NegFn: Function {
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.e(.neg)] }
}

final class SinFn: Function {
  var x: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    [x.const(Float.pi / 2).e(.sub, x).e(.sin).e(.mul, grad)]
  }
}

/// max(x, 0); the gradient flows where the output is positive.
final class ReluFn: Function {
  var ret: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    [ret.const(0).e(.cmplt, ret).cast(grad.dtype).e(.mul, grad)]
  }
}

final class LogFn: Function {
  var x: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.e(.div, x)] }
}

final class ExpFn: Function {
  var ret: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [ret.e(.mul, grad)] }
}

final class SqrtFn: Function {
  var ret: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] { [grad.e(.div, ret.e(.mul, ret.const(2)))] }
}

final class SigmoidFn: Function {
  var ret: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    [ret.e(.mul, ret.const(1).e(.sub, ret)).e(.mul, grad)]
  }
}

extension LazyBuffer {
  static let ln2 = Float(M_LN2)
}
