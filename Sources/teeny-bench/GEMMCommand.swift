import ArgumentParser

/// `teeny-bench gemm`: matrix products at several thread counts, through the public `Tensor.matmul`.
struct GEMMCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gemm",
    abstract: "Time (M x K) @ (K x N) float32 matrix products (Tensor.matmul, realized) at several thread counts."
  )

  @Option(help: ArgumentHelp("A product's sizes; repeat for several products.", valueName: "MxKxN"))
  var shape: [String]

  @OptionGroup var options: BenchOptions

  func validate() throws {
    if shape.isEmpty { throw ValidationError("--shape MxKxN is required") }
    for s in shape { _ = try sizes(s) }
  }

  func run() throws {
    let workloads = try shape.map { s in
      let (m, k, n) = try sizes(s)
      return Workload.gemm(m, k, n)
    }
    let rows = ScalingRunner(threadCounts: try options.threadCounts(), repetitions: options.repetitions)
      .run(workloads)
    try options.report(rows)
  }

  private func sizes(_ shape: String) throws -> (Int, Int, Int) {
    let parts = shape.lowercased().split(separator: "x").compactMap { Int($0) }
    guard parts.count == 3, parts.allSatisfy({ $0 >= 1 }) else {
      throw ValidationError("--shape takes three positive sizes as MxKxN, not '\(shape)'")
    }
    return (parts[0], parts[1], parts[2])
  }
}
