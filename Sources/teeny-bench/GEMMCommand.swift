import ArgumentParser

/// `teeny-bench gemm`: one matrix product at several thread counts.
struct GEMMCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gemm",
    abstract: "Time one (M x K) @ (K x N) float32 matrix product at several thread counts."
  )

  @Option(help: ArgumentHelp("The product's sizes.", valueName: "MxKxN"))
  var shape: String

  @OptionGroup var options: BenchOptions

  func validate() throws { _ = try sizes() }

  func run() throws {
    let (m, k, n) = try sizes()
    let rows = ScalingRunner(threadCounts: try options.threadCounts(), repetitions: options.repetitions)
      .run([Workload.gemm(m, k, n)])
    try options.report(rows)
  }

  private func sizes() throws -> (Int, Int, Int) {
    let parts = shape.lowercased().split(separator: "x").compactMap { Int($0) }
    guard parts.count == 3, parts.allSatisfy({ $0 >= 1 }) else {
      throw ValidationError("--shape takes three positive sizes as MxKxN, not '\(shape)'")
    }
    return (parts[0], parts[1], parts[2])
  }
}
