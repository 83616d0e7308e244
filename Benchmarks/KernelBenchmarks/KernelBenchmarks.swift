import Benchmark
import Teenygrad

/// Each registered micro-kernel (its SIMD version and its scalar reference twin) on cache-resident
/// buffers, and the thread pool's fork-join latency.
///
/// Kernel benchmarks report one call per iteration (`scalingFactor` 1000 calls per measured sample); the
/// throughput metric is calls per second, and the tags give the FLOPs and bytes of one call.
/// The fork-join benchmarks record each parallel loop's duration as the `fork-join (ns)` metric.
let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .throughput],
    warmupIterations: 10,
    scalingFactor: .kilo,
    maxDuration: .milliseconds(500),
    maxIterations: 1_000
  )

  for name in MicroBenchmarks.kernelNames {
    let depth = MicroBenchmarks.defaultDepth(for: name)
    guard let probe = MicroKernelBenchmark(name, depth: depth) else { continue }
    let tags = ["depth": "\(depth)", "flops": "\(probe.flopsPerCall)", "bytes": "\(probe.bytesPerCall)"]
    for reference in [false, true] {
      // The scalar twins are far slower: fewer calls per sample keep their runs short.
      let configuration = Benchmark.Configuration(
        tags: tags, scalingFactor: reference ? .one : .kilo, maxDuration: .milliseconds(reference ? 200 : 500))
      Benchmark(reference ? "\(name) reference" : name, configuration: configuration) { benchmark, kernel in
        for _ in benchmark.scaledIterations {
          blackHole(reference ? kernel.runReference() : kernel.run())
        }
      } setup: {
        MicroKernelBenchmark(name, depth: depth)!
      }
    }
  }

  let forkJoin = BenchmarkMetric.custom("fork-join (ns)", polarity: .prefersSmaller, useScalingFactor: false)
  for everyWorker in [true, false] {
    let configuration = Benchmark.Configuration(
      metrics: [forkJoin], tags: ["threads": "\(Runtime.threads)"], warmupIterations: 1_000,
      scalingFactor: .one, maxDuration: .seconds(1), maxIterations: 20_000)
    Benchmark("fork-join latency, \(everyWorker ? "every worker" : "empty loop")",
              configuration: configuration) { benchmark in
      for seconds in Runtime.measureForkJoinLatency(iterations: 1, everyWorker: everyWorker) {
        benchmark.measurement(forkJoin, Int(seconds * 1e9))
      }
    }
  }
}
