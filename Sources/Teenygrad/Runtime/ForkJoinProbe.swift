import Dispatch
import Synchronization

extension ThreadPool {
  /// Times `iterations` parallel loops of `threadCount` indices after a short warm-up and returns the
  /// duration of each in seconds: the pool's fork-join overhead.
  ///
  /// With `everyWorker` (the default) each index waits until all indices have started, so every worker
  /// must wake and run exactly one index: the full cost of a hand-off to all threads. Without it the bodies
  /// are empty and the calling thread may finish every index before a worker arrives, which measures the
  /// cheapest case.
  func measureForkJoinLatency(iterations: Int, everyWorker: Bool = true) -> [Double] {
    let arrived = Atomic<Int>(0)
    let count = threadCount
    let loop = {
      guard everyWorker else { return self.parallelFor(count) { _ in } }
      arrived.store(0, ordering: .relaxed)
      self.parallelFor(count) { _ in
        arrived.wrappingAdd(1, ordering: .acquiringAndReleasing)
        var spins = 0
        while arrived.load(ordering: .acquiring) < count {
          spins += 1
          if spins < 2_000 { Topology.spinPause() } else { Topology.yieldThread() }
        }
      }
    }
    for _ in 0..<min(1_000, iterations) { loop() }
    var samples: [Double] = []
    samples.reserveCapacity(max(0, iterations))
    for _ in 0..<max(0, iterations) {
      let start = DispatchTime.now().uptimeNanoseconds
      loop()
      let end = DispatchTime.now().uptimeNanoseconds
      samples.append(Double(end - start) * 1e-9)
    }
    return samples
  }
}

extension Runtime {
  /// Returns the duration in seconds of each of `iterations` parallel loops with one index per worker on
  /// the shared pool (``threads`` workers): the cost of waking the workers and waiting for them.
  ///
  /// With `everyWorker` (the default) every worker must run one index (each index waits for the others to
  /// start); without it the indices are empty and the calling thread may run them all itself.
  public static func measureForkJoinLatency(iterations: Int, everyWorker: Bool = true) -> [Double] {
    pool.measureForkJoinLatency(iterations: iterations, everyWorker: everyWorker)
  }
}
