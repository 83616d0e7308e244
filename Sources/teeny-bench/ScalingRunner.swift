import Dispatch
import Teenygrad

/// Times workloads at each thread count and turns the samples into rows.
///
/// The thread counts take turns: each round takes one sample at every count, so a change in the machine's
/// load during a measurement shifts all counts alike instead of skewing the speedup.
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
      var runsPerSample: [Int: Int] = [:]
      var seconds: [Int: [Double]] = [:]
      for round in 0..<repetitions {
        for threads in threadCounts {
          Runtime.threads = threads
          // A new thread count starts a new pool: one untimed run wakes and warms it.
          if round == 0 || threadCounts.count > 1 {
            let warmUp = time(trial)
            if runsPerSample[threads] == nil { runsPerSample[threads] = runs(trial, firstRun: warmUp) }
          }
          let runs = runsPerSample[threads]!
          let total = (0..<runs).reduce(0) { sum, _ in sum + time(trial) }
          seconds[threads, default: []].append(total / Double(runs))
        }
      }
      let baseline = seconds[threadCounts[0]].map(BenchRow.median)
      for threads in threadCounts {
        let row = BenchRow(workload: workload, threads: threads, seconds: seconds[threads]!,
                           baselineMedian: baseline)
        Log.note(row.summary)
        rows.append(row)
      }
    }
    return rows
  }

  /// The number of runs a sample needs to last ``minimumSampleSeconds``, timing one more run when the
  /// first (which may have paid for warming caches) was short.
  private func runs(_ trial: Trial, firstRun: Double) -> Int {
    guard firstRun < minimumSampleSeconds else { return 1 }
    return min(1_000, Int((minimumSampleSeconds / max(time(trial), 1e-7)).rounded(.up)))
  }

  /// The duration of one run in seconds, without its preparation.
  private func time(_ trial: Trial) -> Double {
    trial.prepare()
    let start = DispatchTime.now().uptimeNanoseconds
    trial.run()
    return Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
  }
}
