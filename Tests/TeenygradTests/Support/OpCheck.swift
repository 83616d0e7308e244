import Testing
import Teenygrad

/// Case name to the Tensor expression under test; the closure receives the fixture's inputs in order.
typealias OpTable = [String: @Sendable ([Tensor]) -> Tensor]

/// Case name to an expression with several outputs (`chunk`).
typealias MultiOpTable = [String: @Sendable ([Tensor]) -> [Tensor]]

/// Runs fixture cases against the library, the way teenygrad's `helper_test_op` does.
enum OpCheck {
  /// The fixture case `name` of `area`.
  static func testCase(area: String, name: String) throws -> OpCase {
    try #require(try Fixtures.cases(area).first { $0.name == name }, "no fixture case \(name) in \(area).json")
  }

  /// Names of the cases of an area, the arguments of the parameterized tests.
  static func names(_ area: String, where include: (OpCase) -> Bool = { _ in true }) throws -> [String] {
    try Fixtures.cases(area).filter(include).map(\.name)
  }

  /// Compares the forward value, then backpropagates `((out + 1).square().mean())` and compares the
  /// gradient of every input the fixture marks.
  static func run(_ testCase: OpCase, _ table: OpTable, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let op = table[testCase.name] else {
      Issue.record("no Tensor expression for fixture case \(testCase.name)", sourceLocation: sourceLocation)
      return
    }
    guard let expected = testCase.output else {
      Issue.record("fixture case \(testCase.name) has no single output", sourceLocation: sourceLocation)
      return
    }
    let inputs = testCase.inputs.map { $0.makeTensor() }
    let out = op(inputs)
    guard check(out, expected, testCase.tol, "forward", sourceLocation: sourceLocation),
      let grads = testCase.grads
    else { return }

    ((out + 1).square().mean()).backward()
    let atol = testCase.tol.gradAtol ?? testCase.tol.atol
    let rtol = testCase.tol.gradRtol ?? testCase.tol.rtol
    for (i, expectedGrad) in grads.enumerated() {
      guard let expectedGrad else { continue }
      guard let grad = inputs[i].grad else {
        Issue.record("input \(i) has no gradient after backward()", sourceLocation: sourceLocation)
        continue
      }
      guard grad.shape == inputs[i].shape else {
        Issue.record("gradient of input \(i): shape \(grad.shape), expected \(inputs[i].shape)",
                     sourceLocation: sourceLocation)
        continue
      }
      expectClose(grad.toArray(), expectedGrad, atol: atol, rtol: rtol, "gradient of input \(i)",
                  sourceLocation: sourceLocation)
    }
  }

  /// Compares every output of a multi-output expression.
  static func run(_ testCase: OpCase, _ table: MultiOpTable, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let op = table[testCase.name], let expected = testCase.outputs else {
      Issue.record("no expression or no outputs for fixture case \(testCase.name)", sourceLocation: sourceLocation)
      return
    }
    let outs = op(testCase.inputs.map { $0.makeTensor() })
    guard outs.count == expected.count else {
      Issue.record("\(outs.count) outputs, expected \(expected.count)", sourceLocation: sourceLocation)
      return
    }
    for (i, (out, want)) in zip(outs, expected).enumerated() {
      check(out, want, testCase.tol, "output \(i)", sourceLocation: sourceLocation)
    }
  }

  /// Shape, dtype and values of one output; false when the shape is wrong (values are then meaningless).
  @discardableResult
  static func check(
    _ out: Tensor, _ expected: FixtureTensor, _ tol: Tolerance, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) -> Bool {
    guard out.shape == expected.shape else {
      Issue.record("\(what): shape \(out.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
      return false
    }
    if let dtype = expected.dtypeValue, out.dtype != dtype {
      Issue.record("\(what): dtype \(out.dtype), expected \(expected.dtype)", sourceLocation: sourceLocation)
    }
    expectClose(out.toArray(), expected.data, atol: tol.atol, rtol: tol.rtol, what, sourceLocation: sourceLocation)
    return true
  }

  /// Every fixture case of an area has an expression and every expression has a fixture case.
  static func expectTableMatchesFixtures(
    _ area: String, _ names: some Collection<String>, sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let fixtureNames = Set(try Fixtures.cases(area).map(\.name))
    let tableNames = Set(names)
    #expect(fixtureNames.subtracting(tableNames).sorted() == [], "fixture cases without an expression",
            sourceLocation: sourceLocation)
    #expect(tableNames.subtracting(fixtureNames).sorted() == [], "expressions without a fixture case",
            sourceLocation: sourceLocation)
  }
}
