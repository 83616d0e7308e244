import CVectorMath
import Foundation

/// SIMD loops for each op over `n` lanes of registers (n rounded up to a multiple of 8; registers have room).
enum ElementwiseOps {
  typealias V = SIMD8<Float>

  @inline(__always)
  static func vectors(_ n: Int) -> Int { (n + 7) >> 3 }

  static func fill(_ dst: UnsafeMutablePointer<Float>, _ v: Float, _ n: Int) {
    let d = UnsafeMutableRawPointer(dst)
    let splat = V(repeating: v)
    for i in 0..<vectors(n) { d.storeBytes(of: splat, toByteOffset: i &* 32, as: V.self) }
  }

  static func unary(_ op: UnaryOp, _ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    let count = vectors(n)
    switch op {
    case .neg:
      for i in 0..<count { d.storeBytes(of: -s.loadUnaligned(fromByteOffset: i &* 32, as: V.self), toByteOffset: i &* 32, as: V.self) }
    case .sqrt:
      for i in 0..<count {
        d.storeBytes(of: teenygrad_f32x8_sqrt(s.loadUnaligned(fromByteOffset: i &* 32, as: V.self)), toByteOffset: i &* 32,
                     as: V.self)
      }
    case .exp2:
      for i in 0..<count { d.storeBytes(of: VectorMath.exp2(s.loadUnaligned(fromByteOffset: i &* 32, as: V.self)), toByteOffset: i &* 32, as: V.self) }
    case .log2:
      for i in 0..<count { d.storeBytes(of: VectorMath.log2(s.loadUnaligned(fromByteOffset: i &* 32, as: V.self)), toByteOffset: i &* 32, as: V.self) }
    case .sin:
      for i in 0..<count { d.storeBytes(of: VectorMath.sin(s.loadUnaligned(fromByteOffset: i &* 32, as: V.self)), toByteOffset: i &* 32, as: V.self) }
    case .cast(let dtype):
      for i in 0..<n { dst[i] = ElementIO.quantize(src[i], to: dtype) }
    }
  }

  /// One operand of a binary op: a register's lanes, or one value for every lane.
  enum Operand {
    case lanes(UnsafeMutablePointer<Float>)
    case constant(Float)
  }

  static func binary(_ op: BinaryOp, _ lhs: UnsafeMutablePointer<Float>, _ rhs: UnsafeMutablePointer<Float>,
                     _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    binary(op, .lanes(lhs), .lanes(rhs), dst, n)
  }

  /// `op` over `n` lanes where either operand may be a constant, which then costs no register pass of its own.
  /// With `combine`, each result is folded into `dst` (`dst + r`, or `max(dst, r)` as ``VectorMath/maximum``)
  /// instead of replacing it.
  static func binary(_ op: BinaryOp, _ lhs: Operand, _ rhs: Operand, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                     combine: ReduceOp? = nil) {
    switch combine {
    case nil: binary(op, lhs, rhs, dst, n, Replace.self)
    case .sum?: binary(op, lhs, rhs, dst, n, Add.self)
    case .max?: binary(op, lhs, rhs, dst, n, Max.self)
    }
  }

  @inline(__always)
  private static func binary<Fold: LaneFold>(_ op: BinaryOp, _ lhs: Operand, _ rhs: Operand,
                                             _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ fold: Fold.Type) {
    switch op {
    case .add: map(Add.self, fold, lhs, rhs, dst, n)
    case .sub: map(Sub.self, fold, lhs, rhs, dst, n)
    case .mul: map(Mul.self, fold, lhs, rhs, dst, n)
    case .div: map(Div.self, fold, lhs, rhs, dst, n)
    case .max: map(Max.self, fold, lhs, rhs, dst, n)
    case .cmplt: map(Less.self, fold, lhs, rhs, dst, n)
    }
  }

  /// `op` applied to two constants, exactly as a pass over lanes would compute it.
  static func constant(_ op: BinaryOp, _ a: Float, _ b: Float) -> Float {
    var lanes = V()
    withUnsafeMutableBytes(of: &lanes) { raw in
      binary(op, .constant(a), .constant(b), raw.baseAddress!.assumingMemoryBound(to: Float.self), V.scalarCount)
    }
    return lanes[0]
  }

  /// A binary op on SIMD vectors; a type per op so each loop is specialized with the op inlined.
  private protocol LaneOp { static func apply(_ a: V, _ b: V) -> V }
  /// How a loop's result meets what `dst` held: replaced, or folded in by a ``LaneOp`` (old value first).
  private protocol LaneFold { static func fold(_ old: UnsafeMutableRawPointer, _ offset: Int, _ value: V) -> V }
  /// An op folds as `apply(old, value)`: a reduce's accumulator first, as ``ReduceChunk`` combines them.
  private typealias FoldingOp = LaneOp & LaneFold
  private enum Replace: LaneFold {
    @inline(__always) static func fold(_ old: UnsafeMutableRawPointer, _ offset: Int, _ value: V) -> V { value }
  }
  private enum Add: FoldingOp {
    @inline(__always) static func apply(_ a: V, _ b: V) -> V { a + b }
    @inline(__always) static func fold(_ old: UnsafeMutableRawPointer, _ o: Int, _ value: V) -> V { foldedApply(Self.self, old, o, value) }
  }
  private enum Sub: LaneOp { @inline(__always) static func apply(_ a: V, _ b: V) -> V { a - b } }
  private enum Mul: LaneOp { @inline(__always) static func apply(_ a: V, _ b: V) -> V { a * b } }
  private enum Div: LaneOp { @inline(__always) static func apply(_ a: V, _ b: V) -> V { a / b } }
  private enum Max: FoldingOp {
    @inline(__always) static func apply(_ a: V, _ b: V) -> V { VectorMath.maximum(a, b) }
    @inline(__always) static func fold(_ old: UnsafeMutableRawPointer, _ o: Int, _ value: V) -> V { foldedApply(Self.self, old, o, value) }
  }
  private enum Less: LaneOp {
    @inline(__always) static func apply(_ a: V, _ b: V) -> V { V(repeating: 0).replacing(with: 1, where: a .< b) }
  }

  @inline(__always)
  private static func foldedApply<Op: LaneOp>(_: Op.Type, _ old: UnsafeMutableRawPointer, _ o: Int, _ value: V) -> V {
    Op.apply(old.loadUnaligned(fromByteOffset: o, as: V.self), value)
  }

  @inline(__always)
  private static func map<Op: LaneOp, Fold: LaneFold>(_: Op.Type, _: Fold.Type, _ lhs: Operand, _ rhs: Operand,
                                                      _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let d = UnsafeMutableRawPointer(dst)
    let count = vectors(n)
    @inline(__always) func put(_ value: V, _ o: Int) { d.storeBytes(of: Fold.fold(d, o, value), toByteOffset: o, as: V.self) }
    switch (lhs, rhs) {
    case (.lanes(let l), .lanes(let r)):
      let a = UnsafeRawPointer(l), b = UnsafeRawPointer(r)
      for i in 0..<count {
        let o = i &* 32
        put(Op.apply(a.loadUnaligned(fromByteOffset: o, as: V.self), b.loadUnaligned(fromByteOffset: o, as: V.self)), o)
      }
    case (.lanes(let l), .constant(let c)):
      let a = UnsafeRawPointer(l), b = V(repeating: c)
      for i in 0..<count {
        let o = i &* 32
        put(Op.apply(a.loadUnaligned(fromByteOffset: o, as: V.self), b), o)
      }
    case (.constant(let c), .lanes(let r)):
      let a = V(repeating: c), b = UnsafeRawPointer(r)
      for i in 0..<count {
        let o = i &* 32
        put(Op.apply(a, b.loadUnaligned(fromByteOffset: o, as: V.self)), o)
      }
    case (.constant(let a), .constant(let b)):
      let value = Op.apply(V(repeating: a), V(repeating: b))
      for i in 0..<count { put(value, i &* 32) }
    }
  }

  static func select(_ cond: UnsafeMutablePointer<Float>, _ lhs: UnsafeMutablePointer<Float>,
                     _ rhs: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let c = UnsafeRawPointer(cond), a = UnsafeRawPointer(lhs), b = UnsafeRawPointer(rhs), d = UnsafeMutableRawPointer(dst)
    let zero = V(repeating: 0)
    for i in 0..<vectors(n) {
      let o = i &* 32
      let m = c.loadUnaligned(fromByteOffset: o, as: V.self) .!= zero
      let r = b.loadUnaligned(fromByteOffset: o, as: V.self).replacing(with: a.loadUnaligned(fromByteOffset: o, as: V.self), where: m)
      d.storeBytes(of: r, toByteOffset: o, as: V.self)
    }
  }
}
