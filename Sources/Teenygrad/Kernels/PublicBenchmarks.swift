/// The library's SIMD micro-kernels, runnable on their own outside any graph, for micro-benchmarks.
///
/// Each kernel is one entry of the library's micro-kernel registry: a register-blocked GEMM tile, or a sum,
/// max or dot product along a contiguous or strided axis. A ``MicroKernelBenchmark`` owns the buffers of one
/// standard call and runs the kernel on them as often as asked.
///
/// ```swift
/// for name in MicroBenchmarks.kernelNames {
///   let bench = MicroKernelBenchmark(name, depth: 256)!
///   bench.run(times: 1_000)
/// }
/// ```
public enum MicroBenchmarks {
  /// Returns the names of every registered micro-kernel, in registry order.
  public static var kernelNames: [String] { MicroKernelRegistry.all.map(\.name) }

  /// Returns the depth a benchmark should call `name` with: 256, the packed depth of one GEMM block, for
  /// GEMM tiles, and for reductions the largest power of two whose inputs fit in 16 KiB, half of a
  /// typical L1 data cache.
  public static func defaultDepth(for name: String) -> Int {
    guard let kernel = MicroKernelRegistry.named(name) else { return 0 }
    if kernel.kind == .gemm { return 256 }
    let budget = 16 * 1_024 / MemoryLayout<Float>.stride
    var depth = 1
    while kernel.aCount(2 * depth) + kernel.bCount(2 * depth) <= budget { depth *= 2 }
    return depth
  }
}

/// One micro-kernel with the buffers of its standard call, filled with fixed values.
///
/// The inputs are allocated and filled once, so ``run(times:)`` times the kernel alone. Not safe to run from
/// several threads at once: every call writes the same output.
public final class MicroKernelBenchmark {
  private let kernel: MicroKernel
  private let a: UnsafeMutableBufferPointer<Float>
  private let b: UnsafeMutableBufferPointer<Float>
  private let out: UnsafeMutableBufferPointer<Float>

  /// The kernel's registry name.
  public var name: String { kernel.name }
  /// The kind of work the kernel does: `gemm` or `reduce`, the profiler's `kind` column.
  public var kind: String { kernel.kind.rawValue }
  /// The depth of each call: the GEMM depth, or the length of the reduced axis.
  public let depth: Int
  /// Returns the floating-point operations of one call (a multiply-add counts two).
  public var flopsPerCall: Int { kernel.flops(depth) }
  /// Returns the bytes one call reads and writes.
  public var bytesPerCall: Int {
    (kernel.aCount(depth) + kernel.bCount(depth) + kernel.outCount) * MemoryLayout<Float>.stride
  }

  /// Creates the benchmark of the kernel called `name` (one of ``MicroBenchmarks/kernelNames``) with calls
  /// of `depth`, or returns nil when no kernel has that name.
  public init?(_ name: String, depth: Int) {
    guard let kernel = MicroKernelRegistry.named(name) else { return nil }
    self.kernel = kernel
    self.depth = max(0, depth)
    a = Self.filled(count: kernel.aCount(self.depth), seed: 1)
    b = Self.filled(count: kernel.bCount(self.depth), seed: 2)
    out = Self.filled(count: kernel.outCount, seed: 3)
  }

  deinit {
    a.deallocate()
    b.deallocate()
    out.deallocate()
  }

  /// Runs the SIMD kernel `times` times on the same buffers and returns the first output, so that callers
  /// can keep the work from being optimized away.
  @discardableResult
  public func run(times: Int = 1) -> Float { repeated(times, kernel.run) }

  /// Runs the scalar reference twin of the kernel `times` times and returns the first output.
  @discardableResult
  public func runReference(times: Int = 1) -> Float { repeated(times, kernel.reference) }

  /// Returns the seconds per call of the fastest of `rounds` timed rounds, each running the SIMD kernel back
  /// to back for at least `roundNanoseconds`, after one untimed round that warms caches and clocks. The
  /// fastest round is the kernel's own rate: rounds shared with other processes are slower, never faster.
  public func fastestCallSeconds(rounds: Int, roundNanoseconds: UInt64 = 1_000_000) -> Double {
    let batch = 64
    var best = Double.infinity
    for round in 0...max(1, rounds) {
      var calls = 0
      let start = Profiler.now()
      var elapsed: UInt64 = 0
      while elapsed < roundNanoseconds {
        run(times: batch)
        calls += batch
        elapsed = Profiler.now() - start
      }
      if round > 0 { best = min(best, Double(elapsed) / 1e9 / Double(calls)) }
    }
    return best
  }

  private func repeated(_ times: Int, _ body: (MicroKernelCall) -> Void) -> Float {
    let call = MicroKernelCall(depth: depth, a: UnsafePointer(a.baseAddress!),
                               b: UnsafePointer(b.baseAddress!), out: out.baseAddress!)
    for _ in 0..<times { body(call) }
    return out[0]
  }

  /// A 64-byte-aligned buffer of `count` floats (at least one) holding small values that neither overflow
  /// nor underflow when summed or multiplied.
  private static func filled(count: Int, seed: Int) -> UnsafeMutableBufferPointer<Float> {
    let count = max(1, count)
    let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
    let buffer = UnsafeMutableBufferPointer(start: raw.bindMemory(to: Float.self, capacity: count), count: count)
    for i in buffer.indices { buffer[i] = Float((i &* 7 &+ seed) % 17) * 0.0625 - 0.5 }
    return buffer
  }
}
