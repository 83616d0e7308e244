import Testing

/// Whether `got` matches `expected` within `atol + rtol * |expected|`; NaN matches NaN and an infinity
/// matches the same infinity.
func isClose(_ got: Double, _ expected: Double, atol: Double, rtol: Double) -> Bool {
  if expected.isNaN { return got.isNaN }
  if expected.isInfinite { return got == expected }
  if !got.isFinite { return false }
  return Swift.abs(got - expected) <= atol + rtol * Swift.abs(expected)
}

/// Records one issue listing the first mismatching elements when `got` and `expected` differ.
func expectClose(
  _ got: [Float], _ expected: [Double], atol: Double, rtol: Double, _ what: @autoclosure () -> String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  guard got.count == expected.count else {
    Issue.record("\(what()): \(got.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    return
  }
  var mismatches: [String] = []
  var count = 0
  for i in expected.indices where !isClose(Double(got[i]), expected[i], atol: atol, rtol: rtol) {
    count += 1
    if mismatches.count < 6 { mismatches.append("[\(i)] expected \(expected[i]) got \(got[i])") }
  }
  if count > 0 {
    let message = "\(what()): \(count) of \(expected.count) values differ (atol \(atol), rtol \(rtol)): "
      + mismatches.joined(separator: ", ")
    Issue.record("\(message)", sourceLocation: sourceLocation)
  }
}

/// Convenience for exact small expectations written inline in a test.
func expectClose(
  _ got: [Float], _ expected: [Float], atol: Double = 1e-5, rtol: Double = 1e-5,
  _ what: @autoclosure () -> String = "values", sourceLocation: SourceLocation = #_sourceLocation
) {
  expectClose(got, expected.map(Double.init), atol: atol, rtol: rtol, what(), sourceLocation: sourceLocation)
}
