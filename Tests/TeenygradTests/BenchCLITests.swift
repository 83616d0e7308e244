import Foundation
import Testing

private let benchBinary = ExecutableRunner.find("teeny-bench")

/// `teeny-bench micro`: the registry's micro-kernels timed alone, one CSV row each.
@Suite(.enabled(if: benchBinary != nil, "the teeny-bench executable is not built beside the test bundle"))
struct MicroCommandTests {
  @Test("one CSV row per kernel asked for, in the order asked, with the kernel's kind, depth and rates")
  func printsOneRowPerKernel() throws {
    let outcome = try ExecutableRunner.run(
      try #require(benchBinary),
      ["micro", "--kernel", "f32_gemm_6x16_avx2", "--kernel", "f32_reduce_sum_avx2", "--rounds", "1"])
    #expect(outcome.status == 0 && !outcome.signaled, "\(outcome.standardError)")
    let lines = outcome.standardOutput.split(separator: "\n")
    #expect(lines.first == "kernel,kind,depth,gflops,gbps")
    let rows = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
    #expect(rows.map { $0.first } == ["f32_gemm_6x16_avx2", "f32_reduce_sum_avx2"])
    #expect(rows.allSatisfy { $0.count == 5 && (Double($0[3]) ?? 0) > 0 && (Double($0[4]) ?? 0) > 0 }, "\(rows)")
    #expect(rows.first.map { $0[1] == "gemm" && $0[2] == "256" } == true, "\(rows)")
  }

  @Test("an unknown kernel or no rounds is a usage error that says what is wrong")
  func rejectsBadArguments() throws {
    let binary = try #require(benchBinary)
    let unknown = try ExecutableRunner.run(binary, ["micro", "--kernel", "f32_nope"])
    #expect(unknown.status == 64 && !unknown.signaled)
    #expect(unknown.standardError.contains("unknown kernel 'f32_nope'; the kernels are f32_gemm_6x16_avx2"))
    let noRounds = try ExecutableRunner.run(binary, ["micro", "--rounds", "0"])
    #expect(noRounds.status == 64 && noRounds.standardError.contains("--rounds must be at least 1, not 0"))
  }
}
