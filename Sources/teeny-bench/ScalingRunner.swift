import Dispatch
import Teenygrad

/// Times workloads at each thread count and turns the samples into rows.
struct ScalingRunner {
  /// Ascending thread counts; the first is the baseline of speedup and efficiency.
  let threadCounts: [Int]
  /// Timed samples per workload and thread count.
  let repetitions: Int
  /// A sample repeats a fast op until it lasts this long, so that clock resolution and one-off hiccups
  /// weigh little; its time is then divided by the runs it holds.
  var minimumSampleSeconds = 0.02

  /// Returns one row per workload and thread count, workloads in order.
  func run(_ workloads: [Workload]) -> [BenchRow] {
    let saved = Runtime.threads
    defer { Runtime.threads = saved }
    var rows: [BenchRow] = []
    for workload in workloads {
      let trial = workload.setUp()
      var baseline: Double?
      for threads in threadCounts {
        Runtime.threads = threads
        let seconds = samples(trial)
        let row = BenchRow(workload: workload, threads: threads, seconds: seconds, baselineMedian: baseline)
        baseline = baseline ?? row.medianSeconds
        Log.note(row.summary)
        rows.append(row)
      }
    }
    return rows
  }

  /// Warms up, then returns `repetitions` per-run durations in seconds.
  private func samples(_ trial: Trial) -> [Double] {
    let first = time(trial)
    let runsPerSample = first >= minimumSampleSeconds
      ? 1 : min(1_000, Int((minimumSampleSeconds / max(time(trial), 1e-7)).rounded(.up)))
    return (0..<repetitions).map { _ in
      (0..<runsPerSample).reduce(0) { total, _ in total + time(trial) } / Double(runsPerSample)
    }
  }

  /// The duration of one run in seconds, without its preparation.
  private func time(_ trial: Trial) -> Double {
    trial.prepare()
    let start = DispatchTime.now().uptimeNanoseconds
    trial.run()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
  }
}
