import Foundation
import Teenygrad

/// A seeded generator (SplitMix64): the same seed always gives the same programs.
struct SeededRandom {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A uniform double in [0, 1).
  mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

  /// A uniform integer in `range`.
  mutating func int(_ range: ClosedRange<Int>) -> Int {
    range.lowerBound + Int(next() % UInt64(range.count))
  }

  /// True with probability `p`.
  mutating func chance(_ p: Double) -> Bool { unit() < p }

  mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }

  mutating func shuffled<T>(_ items: [T]) -> [T] {
    var items = items
    for i in items.indices.reversed() where i > 0 { items.swapAt(i, int(0...i)) }
    return items
  }
}

/// A small random tensor program: leaf arrays, then a chain of elementwise, movement and reduce ops applied to
/// the first leaf. It runs both on Teenygrad and on ``ReferenceArray``, and prints as readable Swift.
struct RandomProgram: CustomStringConvertible {
  enum Unary: String, CaseIterable { case neg, relu, abs, square, sigmoid }
  enum Binary: String, CaseIterable { case add, sub, mul, maximum }

  enum Step {
    case unary(Unary)
    case scalar(Binary, Float)
    /// Combines with leaf `leaf`, whose shape has some of the current dimensions replaced by 1.
    case binary(Binary, leaf: Int)
    case permute([Int])
    case reshape([Int])
    case expand([Int])
    case pad([(Int, Int)])
    case shrink([(Int, Int)])
    case flip(Int)
    case sum(axis: Int, keepdim: Bool)
    case max(axis: Int, keepdim: Bool)
    case contiguous
  }

  /// The most elements any intermediate may have.
  static let maxElements = 256

  var leaves: [ReferenceArray] = []
  var steps: [Step] = []

  /// Returns program number `index` of the sequence `seed` names.
  static func make(seed: UInt64, index: Int) -> RandomProgram {
    var random = SeededRandom(state: seed &+ UInt64(index) &* 0x2545_F491_4F6C_DD1D)
    var program = RandomProgram()
    var shape = (0..<random.int(1...4)).map { _ in randomSize(&random) }
    while shape.reduce(1, *) > maxElements { shape[shape.firstIndex(of: shape.max()!)!] = 1 }
    program.leaves.append(leaf(shape, &random))
    for _ in 0..<random.int(1...7) {
      let step = nextStep(shape: shape, program: &program, &random)
      program.steps.append(step)
      shape = program.shape(after: step, from: shape)
    }
    return program
  }

  private static func randomSize(_ random: inout SeededRandom) -> Int {
    random.chance(0.08) ? 0 : random.chance(0.3) ? 1 : random.int(2...5)
  }

  private static func leaf(_ shape: [Int], _ random: inout SeededRandom) -> ReferenceArray {
    // Multiples of 1/8 in [-2, 2]: sums of them are exact in Float, so only order-free ops are compared.
    ReferenceArray.generate(shape) { _ in Float(random.int(-16...16)) / 8 }
  }

  private static func nextStep(shape: [Int], program: inout RandomProgram, _ random: inout SeededRandom) -> Step {
    let rank = shape.count
    let count = shape.reduce(1, *)
    if rank == 0 { return .reshape([1]) }
    switch random.int(0...11) {
    case 0, 1: return .unary(random.pick(Unary.allCases))
    case 2: return .scalar(random.pick(Binary.allCases), Float(random.int(-8...8)) / 4)
    case 3:
      let leafShape = shape.map { random.chance(0.3) ? 1 : $0 }
      program.leaves.append(leaf(leafShape, &random))
      return .binary(random.pick(Binary.allCases), leaf: program.leaves.count - 1)
    case 4: return .permute(random.shuffled(Array(0..<rank)))
    case 5: return .reshape(randomReshape(shape, &random))
    case 6:
      guard shape.contains(1) else { return .reshape(insertingOne(shape, &random)) }
      var target = shape
      for axis in shape.indices where shape[axis] == 1 && random.chance(0.7) { target[axis] = random.int(0...3) }
      return target.reduce(1, *) <= maxElements ? .expand(target) : .flip(random.int(0...rank - 1))
    case 7:
      let padding = shape.map { _ in random.chance(0.5) ? (random.int(0...2), random.int(0...2)) : (0, 0) }
      let grown = zip(shape, padding).map { $0 + $1.0 + $1.1 }.reduce(1, *)
      return grown <= maxElements ? .pad(padding) : .unary(.neg)
    case 8:
      return .shrink(shape.map { size in
        let start = random.int(0...size)
        return (start, random.int(start...size))
      })
    case 9: return .flip(random.int(0...rank - 1))
    case 10:
      let axis = random.int(0...rank - 1)
      let keepdim = random.chance(0.5)
      return random.chance(0.5) ? .sum(axis: axis, keepdim: keepdim) : .max(axis: axis, keepdim: keepdim)
    default: return count > 0 && random.chance(0.5) ? .contiguous : .unary(random.pick(Unary.allCases))
    }
  }

  /// A random shape with the same element count (and a zero somewhere when the count is zero).
  private static func randomReshape(_ shape: [Int], _ random: inout SeededRandom) -> [Int] {
    let count = shape.reduce(1, *)
    if count == 0 {
      return random.shuffled([0] + (0..<random.int(0...2)).map { _ in random.int(1...3) })
    }
    var remaining = count
    var result: [Int] = []
    while remaining > 1, result.count < 3 {
      let divisors = (2...remaining).filter { remaining % $0 == 0 }
      let factor = random.pick(divisors)
      result.append(factor)
      remaining /= factor
    }
    if remaining > 1 { result.append(remaining) }
    if result.isEmpty || random.chance(0.2) { result.insert(1, at: random.int(0...result.count)) }
    return random.shuffled(result)
  }

  private static func insertingOne(_ shape: [Int], _ random: inout SeededRandom) -> [Int] {
    var result = shape
    if result.count < 4 { result.insert(1, at: random.int(0...result.count)) }
    return result
  }

  /// The shape `step` turns `shape` into.
  func shape(after step: Step, from shape: [Int]) -> [Int] {
    switch step {
    case .unary, .scalar, .binary, .flip, .contiguous: return shape
    case let .permute(order): return order.map { shape[$0] }
    case let .reshape(target), let .expand(target): return target
    case let .pad(padding): return zip(shape, padding).map { $0 + $1.0 + $1.1 }
    case let .shrink(ranges): return ranges.map { $1 - $0 }
    case let .sum(axis, keepdim), let .max(axis, keepdim):
      var result = shape
      if keepdim { result[axis] = 1 } else { result.remove(at: axis) }
      return result
    }
  }

  // MARK: running

  /// Runs the program on Teenygrad and returns the result's shape and elements.
  func evaluate() -> (shape: [Int], values: [Float]) {
    let inputs = leaves.map { Tensor($0.data, shape: $0.shape) }
    var x = inputs[0]
    for step in steps {
      switch step {
      case let .unary(op): x = Self.apply(op, x)
      case let .scalar(op, value): x = Self.apply(op, x, value)
      case let .binary(op, leaf): x = Self.apply(op, x, inputs[leaf])
      case let .permute(order): x = x.permute(order)
      case let .reshape(shape): x = x.reshape(shape)
      case let .expand(shape): x = x.expand(shape)
      case let .pad(padding): x = x.pad(padding.map { Optional($0) })
      case let .shrink(ranges): x = x.shrink(ranges.map { Optional($0) })
      case let .flip(axis): x = x.flip(axis)
      case let .sum(axis, keepdim): x = x.sum(axis: axis, keepdim: keepdim)
      case let .max(axis, keepdim): x = x.max(axis: axis, keepdim: keepdim)
      case .contiguous: x = x.contiguous().realize()
      }
    }
    return (x.shape, x.toArray())
  }

  private static func apply(_ op: Unary, _ x: Tensor) -> Tensor {
    switch op {
    case .neg: return x.neg()
    case .relu: return x.relu()
    case .abs: return x.abs()
    case .square: return x.square()
    case .sigmoid: return x.sigmoid()
    }
  }

  private static func apply(_ op: Binary, _ x: Tensor, _ y: Tensor) -> Tensor {
    switch op {
    case .add: return x.add(y)
    case .sub: return x.sub(y)
    case .mul: return x.mul(y)
    case .maximum: return x.maximum(y)
    }
  }

  private static func apply(_ op: Binary, _ x: Tensor, _ y: Float) -> Tensor {
    switch op {
    case .add: return x.add(y)
    case .sub: return x.sub(y)
    case .mul: return x.mul(y)
    case .maximum: return x.maximum(y)
    }
  }

  /// Runs the program on ``ReferenceArray``.
  func reference() -> ReferenceArray {
    var x = leaves[0]
    for step in steps {
      switch step {
      case let .unary(op): x = x.map(Self.scalar(op))
      case let .scalar(op, value): x = x.map { Self.scalar(op)($0, value) }
      case let .binary(op, leaf): x = x.zip(leaves[leaf], Self.scalar(op))
      case let .permute(order): x = x.permute(order)
      case let .reshape(shape): x = x.reshape(shape)
      case let .expand(shape): x = x.expand(shape)
      case let .pad(padding): x = x.pad(padding)
      case let .shrink(ranges): x = x.shrink(ranges)
      case let .flip(axis): x = x.flip(axis)
      case let .sum(axis, keepdim): x = x.reduce(axis: axis, keepdim: keepdim, initial: 0, +)
      case let .max(axis, keepdim): x = x.reduce(axis: axis, keepdim: keepdim, initial: -.infinity) { Swift.max($0, $1) }
      case .contiguous: break
      }
    }
    return x
  }

  private static func scalar(_ op: Unary) -> (Float) -> Float {
    switch op {
    case .neg: return { -$0 }
    case .relu: return { Swift.max($0, 0) }
    case .abs: return { Swift.abs($0) }
    case .square: return { $0 * $0 }
    case .sigmoid: return { 1 / (1 + Foundation.exp(-$0)) }
    }
  }

  private static func scalar(_ op: Binary) -> (Float, Float) -> Float {
    switch op {
    case .add: return { $0 + $1 }
    case .sub: return { $0 - $1 }
    case .mul: return { $0 * $1 }
    case .maximum: return { Swift.max($0, $1) }
    }
  }

  // MARK: printing

  var description: String {
    var lines = leaves.enumerated().map { "let t\($0.offset) = Tensor(\($0.element.data), shape: \($0.element.shape))" }
    var text = "t0"
    for step in steps {
      switch step {
      case let .unary(op): text += ".\(op.rawValue)()"
      case let .scalar(op, value): text += ".\(op.rawValue)(\(value))"
      case let .binary(op, leaf): text += ".\(op.rawValue)(t\(leaf))"
      case let .permute(order): text += ".permute(\(order))"
      case let .reshape(shape): text += ".reshape(\(shape))"
      case let .expand(shape): text += ".expand(\(shape))"
      case let .pad(padding): text += ".pad(\(padding))"
      case let .shrink(ranges): text += ".shrink(\(ranges))"
      case let .flip(axis): text += ".flip(\(axis))"
      case let .sum(axis, keepdim): text += ".sum(axis: \(axis), keepdim: \(keepdim))"
      case let .max(axis, keepdim): text += ".max(axis: \(axis), keepdim: \(keepdim))"
      case .contiguous: text += ".contiguous().realize()"
      }
    }
    lines.append("let result = \(text)")
    return lines.joined(separator: "\n")
  }
}
