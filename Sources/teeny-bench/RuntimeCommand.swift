import ArgumentParser
import Teenygrad

/// `teeny-bench runtime`: the runtime's fixed costs and its streaming speed: fork-join latency of the
/// worker pool, and memory-bound elementwise kernels at each thread count.
struct RuntimeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "runtime",
    abstract: "Time the pool's fork-join latency and streaming elementwise kernels at several thread counts.",
    discussion: """
      Rows with op fork-join-all time one parallel loop in which every worker runs one index (each index \
      waits until all have started); fork-join-empty rows time a loop of empty indices, which the calling \
      thread may finish alone. Their median, min and max are over the medians of --repeat batches of \
      --loops loops. The add and elementwise rows time a + b and ((a * b) + c).relu() on --count floats.
      """
  )

  @Option(help: ArgumentHelp("Floats in each elementwise operand.", valueName: "N"))
  var count: Int = 1 << 24

  @Option(help: ArgumentHelp("Parallel loops in each fork-join batch.", valueName: "L"))
  var loops: Int = 20_000

  @OptionGroup var options: BenchOptions

  func validate() throws {
    if count < 1 { throw ValidationError("--count must be positive, not \(count)") }
    if loops < 1 { throw ValidationError("--loops must be positive, not \(loops)") }
  }

  func run() throws {
    let threadCounts = try options.threadCounts()
    var rows = forkJoinRows(threadCounts)
    rows += ScalingRunner(threadCounts: threadCounts, repetitions: options.repetitions)
      .run([Workload.add(count: count), Workload.fusedElementwise(count: count)])
    try options.report(rows)
  }

  /// Per thread count, one row for each fork-join probe; the thread counts take turns batch by batch.
  private func forkJoinRows(_ threadCounts: [Int]) -> [BenchRow] {
    let saved = Runtime.threads
    defer { Runtime.threads = saved }
    var medians: [String: [Double]] = [:]
    for _ in 0..<options.repetitions {
      for threads in threadCounts {
        Runtime.threads = threads
        for everyWorker in [true, false] {
          let samples = Runtime.measureForkJoinLatency(iterations: loops, everyWorker: everyWorker)
          medians[key(threads, everyWorker), default: []].append(BenchRow.median(samples))
        }
      }
    }
    return threadCounts.flatMap { threads in
      [true, false].map { everyWorker in
        let batch = medians[key(threads, everyWorker)] ?? []
        let median = BenchRow.median(batch)
        let row = BenchRow(op: everyWorker ? "fork-join-all" : "fork-join-empty", shape: "\(threads) indices",
                           threads: threads, medianSeconds: median, minSeconds: batch.min() ?? median,
                           maxSeconds: batch.max() ?? median, gflops: 0, gbps: 0, speedup: 1, efficiency: 1)
        Log.note(row.summary)
        return row
      }
    }
  }

  private func key(_ threads: Int, _ everyWorker: Bool) -> String { "\(threads) \(everyWorker)" }
}
