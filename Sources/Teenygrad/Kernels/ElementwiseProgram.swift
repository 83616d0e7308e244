import Foundation

/// A kernel's fused expression flattened into register instructions. Each instruction runs over a whole chunk
/// of lanes with a SIMD8 loop, so dispatch happens once per op per chunk, never per element.
struct ElementwiseProgram: Sendable {
  enum Instruction: Sendable {
    case load(input: Int, dst: Int)
    case const(Float, dst: Int)
    case unary(UnaryOp, src: Int, dst: Int)
    case binary(BinaryOp, lhs: Int, rhs: Int, dst: Int)
    case select(cond: Int, lhs: Int, rhs: Int, dst: Int)

    var dst: Int {
      switch self {
      case .load(_, let d), .const(_, let d), .unary(_, _, let d), .binary(_, _, _, let d), .select(_, _, _, let d): d
      }
    }

    /// The registers it reads.
    var sources: [Int] {
      switch self {
      case .load, .const: []
      case .unary(_, let a, _): [a]
      case .binary(_, let a, let b, _): [a, b]
      case .select(let c, let a, let b, _): [c, a, b]
      }
    }

    /// The same instruction with every register (read or written) mapped through `map`.
    func renamed(_ map: (Int) -> Int) -> Instruction {
      switch self {
      case .load(let i, let d): .load(input: i, dst: map(d))
      case .const(let v, let d): .const(v, dst: map(d))
      case .unary(let op, let a, let d): .unary(op, src: map(a), dst: map(d))
      case .binary(let op, let a, let b, let d): .binary(op, lhs: map(a), rhs: map(b), dst: map(d))
      case .select(let c, let a, let b, let d): .select(cond: map(c), lhs: map(a), rhs: map(b), dst: map(d))
      }
    }
  }

  /// Lanes per register; a multiple of 8.
  static let chunk = 512

  private(set) var instructions: [Instruction] = []
  private(set) var registerCount = 0
  /// The register holding the result.
  private(set) var result = 0

  init(_ expr: KernelExpr) {
    var memo: [KernelExpr: Int] = [:]
    result = emit(expr, &memo)
    allocateRegisters()
  }

  /// Maps the one-register-per-instruction program onto as few registers as live values need: a register is
  /// reused once its value's last reader has run, so a long expression's registers stay in L1.
  private mutating func allocateRegisters() {
    var lastUse = [Int](repeating: -1, count: registerCount)
    for (k, instruction) in instructions.enumerated() { for s in instruction.sources { lastUse[s] = k } }
    lastUse[result] = instructions.count
    var physical = [Int](repeating: -1, count: registerCount)
    var free: [Int] = []
    var count = 0
    for k in instructions.indices {
      let instruction = instructions[k]
      let sources = instruction.sources
      for s in Set(sources) where lastUse[s] == k { free.append(physical[s]) }
      let dst: Int
      if let reused = free.popLast() { dst = reused } else { dst = count; count += 1 }
      physical[instruction.dst] = dst
      instructions[k] = instruction.renamed { $0 == instruction.dst ? dst : physical[$0] }
    }
    registerCount = count
    result = physical[result]
  }

  /// Runs every instruction over `n` lanes (a multiple of 8), reading inputs in place where `load` returns a
  /// pointer to their lanes in memory (else it fills the register it is given), and writing the result
  /// straight into `out` when given. Registers are `registerLanes` floats apart in `regs`. Returns where the
  /// result lanes are: `out`, a register, or an input's memory when the program is a plain load.
  @inline(__always)
  func execute(_ regs: UnsafeMutablePointer<Float>, _ n: Int, registerLanes: Int = ElementwiseProgram.chunk,
               out: UnsafeMutablePointer<Float>?,
               load: (_ input: Int, _ register: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float>?)
    -> UnsafeMutablePointer<Float> {
    let c = registerLanes
    return withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: Swift.max(1, registerCount)) { at in
      let last = instructions.count - 1
      for (k, instruction) in instructions.enumerated() {
        func target(_ dst: Int) -> UnsafeMutablePointer<Float> {
          let p = k == last ? (out ?? regs + dst * c) : regs + dst * c
          at[dst] = p
          return p
        }
        switch instruction {
        case .load(let input, let dst):
          at[dst] = load(input, regs + dst * c) ?? regs + dst * c
        case .const(let v, let dst): ElementwiseOps.fill(target(dst), v, n)
        case .unary(let op, let src, let dst): ElementwiseOps.unary(op, at[src], target(dst), n)
        case .binary(let op, let lhs, let rhs, let dst): ElementwiseOps.binary(op, at[lhs], at[rhs], target(dst), n)
        case .select(let cond, let lhs, let rhs, let dst): ElementwiseOps.select(at[cond], at[lhs], at[rhs], target(dst), n)
        }
      }
      return at[result]
    }
  }

  private mutating func emit(_ e: KernelExpr, _ memo: inout [KernelExpr: Int]) -> Int {
    if let r = memo[e] { return r }
    let instruction: (Int) -> Instruction
    switch e {
    case .load(let i): instruction = { .load(input: i, dst: $0) }
    case .const(let v): instruction = { .const(v, dst: $0) }
    case .unary(let op, let a):
      let ra = emit(a, &memo)
      instruction = { .unary(op, src: ra, dst: $0) }
    case .binary(let op, let a, let b):
      let ra = emit(a, &memo), rb = emit(b, &memo)
      instruction = { .binary(op, lhs: ra, rhs: rb, dst: $0) }
    case .ternary(_, let c, let a, let b):
      let rc = emit(c, &memo), ra = emit(a, &memo), rb = emit(b, &memo)
      instruction = { .select(cond: rc, lhs: ra, rhs: rb, dst: $0) }
    }
    let dst = registerCount
    registerCount += 1
    instructions.append(instruction(dst))
    memo[e] = dst
    return dst
  }
}

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
        d.storeBytes(of: s.loadUnaligned(fromByteOffset: i &* 32, as: V.self).squareRoot(), toByteOffset: i &* 32, as: V.self)
      }
    case .exp2:
      for i in 0..<count { d.storeBytes(of: VectorMath.exp2(s.loadUnaligned(fromByteOffset: i &* 32, as: V.self)), toByteOffset: i &* 32, as: V.self) }
    case .log2:
      for i in 0..<count { d.storeBytes(of: VectorMath.log2(s.loadUnaligned(fromByteOffset: i &* 32, as: V.self)), toByteOffset: i &* 32, as: V.self) }
    case .sin:
      for i in 0..<n { dst[i] = Foundation.sin(src[i]) }
    case .cast(let dtype):
      for i in 0..<n { dst[i] = ElementIO.quantize(src[i], to: dtype) }
    }
  }

  static func binary(_ op: BinaryOp, _ lhs: UnsafeMutablePointer<Float>, _ rhs: UnsafeMutablePointer<Float>,
                     _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let a = UnsafeRawPointer(lhs), b = UnsafeRawPointer(rhs), d = UnsafeMutableRawPointer(dst)
    let count = vectors(n)
    @inline(__always) func run(_ f: (V, V) -> V) {
      for i in 0..<count {
        let o = i &* 32
        d.storeBytes(of: f(a.loadUnaligned(fromByteOffset: o, as: V.self), b.loadUnaligned(fromByteOffset: o, as: V.self)), toByteOffset: o, as: V.self)
      }
    }
    switch op {
    case .add: run { $0 + $1 }
    case .sub: run { $0 - $1 }
    case .mul: run { $0 * $1 }
    case .div: run { $0 / $1 }
    case .max: run { VectorMath.maximum($0, $1) }
    case .cmplt:
      let one = V(repeating: 1), zero = V(repeating: 0)
      run { zero.replacing(with: one, where: $0 .< $1) }
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
