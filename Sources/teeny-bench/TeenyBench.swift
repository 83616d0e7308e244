import ArgumentParser

/// `teeny-bench`: times the runtime's kernels at several thread counts and reports speedup and parallel
/// efficiency against one thread.
@main
struct TeenyBench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "teeny-bench",
    abstract: "Scaling benchmarks: how teenygrad's kernels use the machine as threads grow.",
    discussion: """
      Every op takes --repeat timed samples at each thread count, the counts taking turns, each sample \
      after an untimed warm-up run; each row reports the median, min and max seconds of one run, GFLOP/s and GB/s at the median, and the speedup and parallel \
      efficiency (speedup / threads) against the same op at 1 thread. CSV columns: \
      \(BenchRow.csvHeader)
      """,
    subcommands: [ScalingCommand.self, GEMMCommand.self, MicroCommand.self, RuntimeCommand.self, MemoryCommand.self]
  )
}
