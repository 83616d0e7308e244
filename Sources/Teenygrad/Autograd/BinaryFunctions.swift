final class LessFn: Function {}

final class AddFn: Function {
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    [needs(0) ? grad : nil, needs(1) ? grad : nil]
  }
}

final class SubFn: Function {
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    [needs(0) ? grad : nil, needs(1) ? grad.e(.neg) : nil]
  }
}

final class MulFn: Function {
  var x: LazyBuffer!, y: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    [needs(0) ? y.e(.mul, grad) : nil, needs(1) ? x.e(.mul, grad) : nil]
  }
}

final class DivFn: Function {
  var x: LazyBuffer!, y: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    [needs(0) ? grad.e(.div, y) : nil,
     needs(1) ? grad.e(.neg).e(.mul, x).e(.div, y.e(.mul, y)) : nil]
  }
}

final class WhereFn: Function {
  var cond: LazyBuffer!
  override func backward(_ grad: LazyBuffer) -> [LazyBuffer?] {
    [nil,
     needs(1) ? cond.e(.where, grad, grad.const(0)) : nil,
     needs(2) ? cond.e(.where, grad.const(0), grad) : nil]
  }
}
