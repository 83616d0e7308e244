import Foundation

/// The machine's measured ceilings, for the profile summary's roofline: peak FLOP/s (the GEMM micro-kernel
/// on one core, in a tight loop over operands in L1, times the physical cores) and memory bandwidth (a sum
/// over a buffer much larger than the caches, on every core). Measured once per process, on first use.
struct MachinePeak: Sendable {
  var cores: Int
  var flopsPerCore: Double
  /// Bytes per second.
  var bandwidth: Double
  var flops: Double { flopsPerCore * Double(cores) }

  static let measured = MachinePeak(cores: Runtime.topology.physicalCores, flopsPerCore: measureCoreFlops(),
                                    bandwidth: measureBandwidth(threads: Runtime.topology.physicalCores))

  /// The registry's GEMM micro-kernel called back to back on one 6 x depth by depth x 16 block; the best
  /// of many short rounds, so that rounds shared with other processes do not count.
  static func measureCoreFlops(depth: Int = 256, rounds: Int = 24, roundNanoseconds: UInt64 = 1_000_000) -> Double {
    guard let bench = MicroKernelBenchmark("f32_gemm_6x16_avx2", depth: depth) else { return 0 }
    return Double(bench.flopsPerCall) / bench.fastestCallSeconds(rounds: rounds, roundNanoseconds: roundNanoseconds)
  }

  /// Sums a 64 MiB buffer with `threads` threads, each a contiguous slice; the best of several passes.
  static func measureBandwidth(threads: Int, megabytes: Int = 64, passes: Int = 8) -> Double {
    let count = megabytes << 18
    let data = UnsafeMutablePointer<Float>.allocate(capacity: count)
    defer { data.deallocate() }
    let pool = ThreadPool(threads: threads)
    defer { pool.shutdown() }
    let slices = Swift.max(1, threads) * 4
    let slice = { (i: Int) in (i * count / slices)..<((i + 1) * count / slices) }
    // Each slice is first touched by a pool thread, as kernel outputs are.
    pool.parallelFor(slices) { i in
      let r = slice(i)
      (data + r.lowerBound).initialize(repeating: 1, count: r.count)
    }
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: slices)
    defer { sums.deallocate() }
    var best = 0.0
    for _ in 0...passes {
      let start = Profiler.now()
      pool.parallelFor(slices) { i in
        let r = slice(i)
        sums[i] = f32_reduce_sum_avx2(data + r.lowerBound, count: r.count)
      }
      let elapsed = Swift.max(Profiler.now() - start, 1)
      best = Swift.max(best, Double(count * 4) / Double(elapsed) * 1e9)
    }
    return best
  }
}
