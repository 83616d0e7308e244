import Foundation

/// tinygrad's `DEBUG` ladder. Every line the library prints for `DEBUG` goes through ``print(_:_:)``:
/// 1 lists each kernel as it runs, 2 adds its time, GFLOP/s, GB/s, tiles and threads (and a summary at
/// exit), 3 the scheduler's decisions and the work per tile, 4 each kernel's fused expression.
enum DebugLog {
  /// Whether `DEBUG` is at least `level`.
  @inline(__always)
  static func isOn(_ level: Int) -> Bool { EnvironmentFlags.debug >= level }

  /// Prints `message()` to standard output when `DEBUG` is at least `level`; builds nothing otherwise.
  static func print(_ level: Int, _ message: @autoclosure () -> String) {
    guard EnvironmentFlags.debug >= level else { return }
    Swift.print(message())
  }

  /// The line for one kernel run: `*** kind name`, with timings from `DEBUG=2`, work per tile from 3.
  static func kernelLine(_ r: KernelRecord, iterations: Int, debug: Int) {
    var line = "*** \(r.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(r.name)"
    if debug >= 2 {
      let us = Double(r.durationNs) / 1000
      let gflops = Double(r.flops) / Double(r.durationNs)
      let gbps = Double(r.bytes) / Double(r.durationNs)
      line += String(format: "  tm %9.2fus  %8.2f GFLOPS  %7.2f GB/s  tiles %d  threads %d",
                     us, gflops, gbps, r.tiles, r.threads)
    }
    if debug >= 3 { line += "  (\(iterations / Swift.max(r.tiles, 1)) points/tile)" }
    print(1, line)
  }
}

extension KernelExpr {
  /// The expression in infix form, inputs spelled `in0`, `in1`, ...: `max((in0 + in1), 0)`.
  var formula: String {
    switch self {
    case .load(let i): return "in\(i)"
    case .const(let v): return String(format: "%g", Double(v))
    case .unary(let op, let a): return "\(op.name)(\(a.formula))"
    case .binary(let op, let a, let b):
      switch op {
      case .add: return "(\(a.formula) + \(b.formula))"
      case .sub: return "(\(a.formula) - \(b.formula))"
      case .mul: return "(\(a.formula) * \(b.formula))"
      case .div: return "(\(a.formula) / \(b.formula))"
      case .cmplt: return "(\(a.formula) < \(b.formula))"
      case .max: return "max(\(a.formula), \(b.formula))"
      }
    case .ternary(_, let c, let a, let b): return "where(\(c.formula), \(a.formula), \(b.formula))"
    }
  }
}

extension View {
  /// `shape 4x3 strides 3,1 offset 0 mask 0..<2,0..<3`, dropping a zero offset and a missing mask.
  var summary: String {
    var text = "shape " + shape.map(String.init).joined(separator: "x")
      + " strides " + strides.map(String.init).joined(separator: ",")
    if offset != 0 { text += " offset \(offset)" }
    if let mask { text += " mask " + mask.map { "\($0.lowerBound)..<\($0.upperBound)" }.joined(separator: ",") }
    return text
  }
}
