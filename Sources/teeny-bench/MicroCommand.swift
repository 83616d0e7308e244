import ArgumentParser
import Foundation
import Teenygrad

/// `teeny-bench micro`: each registered SIMD micro-kernel alone, on operands that stay in L1.
///
/// The GEMM tile's figure is the practical peak of one core: what the register-blocked loop reaches when no
/// cache miss, packing or scheduling is in the way. `tools/bench_kernels.py` reports GEMMs against it.
struct MicroCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "micro",
    abstract: "Time each SIMD micro-kernel alone on operands in L1, on the calling thread.",
    discussion: """
      Each kernel runs at its standard depth (256 for a GEMM tile; for a reduction the longest row that fits \
      in 16 KiB) in rounds of about a millisecond; the fastest round counts, so that rounds shared with \
      other processes do not. CSV columns: kernel,kind,depth,gflops,gbps
      """
  )

  @Option(help: ArgumentHelp("A registered kernel; repeat for several (default: every kernel).", valueName: "name"))
  var kernel: [String] = []

  @Option(help: ArgumentHelp("Timed rounds per kernel; the fastest counts.", valueName: "R"))
  var rounds: Int = 50

  func validate() throws {
    if rounds < 1 { throw ValidationError("--rounds must be at least 1, not \(rounds)") }
    let known = MicroBenchmarks.kernelNames
    for name in kernel where !known.contains(name) {
      throw ValidationError("unknown kernel '\(name)'; the kernels are \(known.joined(separator: ", "))")
    }
  }

  func run() throws {
    print("kernel,kind,depth,gflops,gbps")
    for name in kernel.isEmpty ? MicroBenchmarks.kernelNames : kernel {
      guard let bench = MicroKernelBenchmark(name, depth: MicroBenchmarks.defaultDepth(for: name)) else { continue }
      let seconds = bench.fastestCallSeconds(rounds: rounds)
      let gflops = Double(bench.flopsPerCall) / seconds / 1e9
      let gbps = Double(bench.bytesPerCall) / seconds / 1e9
      print("\(name),\(bench.kind),\(bench.depth),\(String(format: "%.2f", gflops)),\(String(format: "%.2f", gbps))")
    }
  }
}
