import Foundation

/// A kernel's fused expression flattened into register instructions. Each instruction runs over a whole chunk
/// of lanes with a SIMD8 loop, so dispatch happens once per op per chunk, never per element.
struct ElementwiseProgram: Sendable {
  enum Instruction: Sendable {
    case load(input: Int, dst: Int)
    case const(Float, dst: Int)
    case unary(UnaryOp, src: Int, dst: Int)
    case binary(BinaryOp, lhs: Int, rhs: Int, dst: Int)
    /// A binary op with one constant operand (`constantFirst`: the constant is the left one).
    case binaryConstant(BinaryOp, src: Int, constant: Float, constantFirst: Bool, dst: Int)
    case select(cond: Int, lhs: Int, rhs: Int, dst: Int)

    var dst: Int {
      switch self {
      case .load(_, let d), .const(_, let d), .unary(_, _, let d), .binary(_, _, _, let d), .select(_, _, _, let d),
           .binaryConstant(_, _, _, _, let d): d
      }
    }

    /// The registers it reads.
    var sources: [Int] {
      switch self {
      case .load, .const: []
      case .unary(_, let a, _), .binaryConstant(_, let a, _, _, _): [a]
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
      case .binaryConstant(let op, let a, let c, let first, let d):
        .binaryConstant(op, src: map(a), constant: c, constantFirst: first, dst: map(d))
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

  /// The program for `expr`, compiled once: a training loop runs the same few hundred expressions every step.
  static func compiled(_ expr: KernelExpr) -> ElementwiseProgram {
    programs.value(for: expr) { ElementwiseProgram(expr) }
  }

  private static let programs = BoundedCache<KernelExpr, ElementwiseProgram>(capacity: 512)

  init(_ expr: KernelExpr) {
    var memo: [KernelExpr: Int] = [:]
    result = emit(Self.folded(expr), &memo)
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
  ///
  /// With `combine`, `out` holds a reduce's accumulators: a final binary op folds its lanes into them (sum or
  /// max) as it computes them, and the call returns `out`; any other final instruction leaves the folding to
  /// the caller.
  @inline(__always)
  func execute(_ regs: UnsafeMutablePointer<Float>, _ n: Int, registerLanes: Int = ElementwiseProgram.chunk,
               out: UnsafeMutablePointer<Float>?, combine: ReduceOp? = nil,
               load: (_ input: Int, _ register: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float>?)
    -> UnsafeMutablePointer<Float> {
    let c = registerLanes
    return withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: Swift.max(1, registerCount)) { at in
      let last = instructions.count - 1
      for (k, instruction) in instructions.enumerated() {
        let folds = k == last && combine != nil
        func target(_ dst: Int) -> UnsafeMutablePointer<Float> {
          let p = k == last && combine == nil ? (out ?? regs + dst * c) : regs + dst * c
          at[dst] = p
          return p
        }
        /// A binary op; the final one of a reduce folds straight into the accumulators.
        func binary(_ op: BinaryOp, _ lhs: ElementwiseOps.Operand, _ rhs: ElementwiseOps.Operand, _ dst: Int) {
          let p = folds ? out! : target(dst)
          at[dst] = p
          ElementwiseOps.binary(op, lhs, rhs, p, n, combine: folds ? combine : nil)
        }
        switch instruction {
        case .load(let input, let dst):
          at[dst] = load(input, regs + dst * c) ?? regs + dst * c
        case .const(let v, let dst): ElementwiseOps.fill(target(dst), v, n)
        case .unary(let op, let src, let dst): ElementwiseOps.unary(op, at[src], target(dst), n)
        case .binary(let op, let lhs, let rhs, let dst): binary(op, .lanes(at[lhs]), .lanes(at[rhs]), dst)
        case .binaryConstant(let op, let src, let v, let first, let dst):
          binary(op, first ? .constant(v) : .lanes(at[src]), first ? .lanes(at[src]) : .constant(v), dst)
        case .select(let cond, let lhs, let rhs, let dst): ElementwiseOps.select(at[cond], at[lhs], at[rhs], target(dst), n)
        }
      }
      return at[result]
    }
  }

  /// `e` with every binary op of two constants replaced by its value, computed with the same SIMD op a pass
  /// would run (an optimizer's `0.9 * 0` becomes `0`, which then costs its reader no register pass).
  private static func folded(_ e: KernelExpr) -> KernelExpr {
    switch e {
    case .load, .const: return e
    case .unary(let op, let a): return .unary(op, folded(a))
    case .binary(let op, let a, let b):
      let (fa, fb) = (folded(a), folded(b))
      if case .const(let x) = fa, case .const(let y) = fb { return .const(ElementwiseOps.constant(op, x, y)) }
      return .binary(op, fa, fb)
    case .ternary(let op, let c, let a, let b): return .ternary(op, folded(c), folded(a), folded(b))
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
    case .binary(let op, .const(let c), let b):
      let rb = emit(b, &memo)
      instruction = { .binaryConstant(op, src: rb, constant: c, constantFirst: true, dst: $0) }
    case .binary(let op, let a, .const(let c)):
      let ra = emit(a, &memo)
      instruction = { .binaryConstant(op, src: ra, constant: c, constantFirst: false, dst: $0) }
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
