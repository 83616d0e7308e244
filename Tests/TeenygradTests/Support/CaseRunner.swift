import Testing

/// Runs each fixture case in a child process (a Swift Testing exit test).
///
/// The library reports programmer errors through preconditions; a precondition that fires in one case must
/// fail that case only, not end the whole run. A case whose child does not exit cleanly runs once more to
/// capture the child's standard error, and its `Fatal error` line becomes part of the failure.
enum CaseRunner {
  /// Fixture area to the code that checks one named case of it.
  static let runners: [String: @Sendable (String) throws -> Void] = [
    "unary": { OpCheck.run(try OpCheck.testCase(area: "unary", name: $0), OpsUnaryTests.ops) },
    "binary": { OpCheck.run(try OpCheck.testCase(area: "binary", name: $0), OpsBinaryTests.ops) },
    "reduce": { OpCheck.run(try OpCheck.testCase(area: "reduce", name: $0), OpsReduceTests.ops) },
    "movement": { OpCheck.run(try OpCheck.testCase(area: "movement", name: $0), OpsMovementTests.ops) },
    "indexing": { OpCheck.run(try OpCheck.testCase(area: "indexing", name: $0), OpsIndexingTests.ops) },
    "nn": { OpCheck.run(try OpCheck.testCase(area: "nn", name: $0), OpsNNTests.ops) },
    "dtype": { OpCheck.run(try OpCheck.testCase(area: "dtype", name: $0), OpsDTypeTests.ops) },
    "creation": {
      let testCase = try OpCheck.testCase(area: "creation", name: $0)
      if testCase.outputs == nil {
        OpCheck.run(testCase, OpsCreationTests.ops)
      } else {
        OpCheck.run(testCase, OpsCreationTests.chunks)
      }
    },
    "optim": { try OptimTests.train($0) },
  ]

  static func run(_ area: String, _ name: String) throws {
    let runner = try #require(runners[area], "no runner for fixture area \(area)")
    try runner(name)
  }

  /// Checks case `name` of `area` in a child process.
  static func isolated(_ area: String, _ name: String) async {
    let clean = await #expect(processExitsWith: .success, "case \(name) of \(area).json") { [area, name] in
      try CaseRunner.run(area, name)
    }
    guard clean == nil else { return }
    let crash = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [area, name] in
      try CaseRunner.run(area, name)
    }
    let stderr = String(decoding: crash?.standardErrorContent ?? [], as: UTF8.self)
    let fatal = stderr.split(separator: "\n").first { $0.contains("Fatal error") || $0.contains("Precondition") }
    Issue.record("child process stopped: \(fatal.map(String.init) ?? String(stderr.suffix(400)))")
  }
}
