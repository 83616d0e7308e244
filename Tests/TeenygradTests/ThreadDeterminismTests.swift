import Testing
@testable import Teenygrad

/// Results do not depend on the thread count: every output sums its terms in an order fixed by the shapes and
/// no reduction is split across threads, so training and long reductions give the same bits at 1, 2 and 3
/// threads.
@Suite struct ThreadDeterminismTests {
  static let threadCounts = [1, 2, 3]

  /// Runs `body` at `threads` worker threads, restoring the previous count afterwards.
  static func at<R>(threads: Int, _ body: () -> R) -> R {
    let saved = Runtime.threads
    defer { Runtime.threads = saved }
    Runtime.threads = threads
    return body()
  }

  static func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

  /// Three Adam steps on synthetic images; batch 64 makes the bias gradients' sums long enough to be split
  /// into partial and final reduces. Also returns the library generator's state afterwards.
  static func trainedWeights(_ kind: MNISTModelKind, threads: Int) -> (weights: [[UInt32]], generator: [UInt64]) {
    at(threads: threads) {
      let trainer = MNISTTrainer(kind: kind, data: TrainerTests.syntheticImages(count: 64), batchSize: 64, seed: 7)
      for _ in 0..<3 { trainer.trainStep() }
      let state = RandomGenerator.shared.withLock { $0.state }
      return (trainer.model.parameters.map { bits($0.toArray()) }, [state.0, state.1, state.2, state.3])
    }
  }

  @Test(arguments: MNISTModelKind.allCases)
  func trainingStepsGiveTheSameWeightsAtAnyThreadCount(kind: MNISTModelKind) {
    // Training draws its initial weights, batches and dropout masks from the library's one generator. Tests
    // running beside this one draw from it too; a run they interleave with ends in another generator state
    // and starts from other numbers, so the three runs are repeated until every one was left alone.
    var runs: [(weights: [[UInt32]], generator: [UInt64])] = []
    for _ in 0..<8 {
      runs = GlobalState.serialized { Self.threadCounts.map { Self.trainedWeights(kind, threads: $0) } }
      if runs.allSatisfy({ $0.generator == runs[0].generator }) { break }
    }
    #expect(runs.allSatisfy { $0.generator == runs[0].generator }, "other tests drew from the generator in every attempt")
    #expect(!runs[0].weights.isEmpty)
    for (threads, run) in zip(Self.threadCounts, runs).dropFirst() {
      #expect(run.weights == runs[0].weights, "weights after 3 steps at \(threads) threads differ from 1 thread")
    }
  }

  /// Values with a nonzero mean and varied magnitudes, so that summation order shows in the low bits.
  static func values(_ count: Int) -> [Float] {
    (0..<count).map { Float(($0 &* 7_919) % 1_009) * 0.001 - 0.25 + Float($0 % 3) * 1e-4 }
  }

  /// Each case: a tensor expression with a long reduction, and its float64 reference per output.
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var count: Int
    var make: @Sendable ([Float]) -> Tensor
    var reference: @Sendable ([Float]) -> [Double]
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    // A power of two: cut into equal chunks.
    Case(name: "sum of 2^22", count: 1 << 22, make: { Tensor($0).sum() },
         reference: { [$0.reduce(0) { $0 + Double($1) }] }),
    // A prime length: 61 whole chunks, and a tail the final kernel reduces with the partials.
    Case(name: "sum of 1000003", count: 1_000_003, make: { Tensor($0).sum() },
         reference: { [$0.reduce(0) { $0 + Double($1) }] }),
    // A fused expression over a prime length: the program runs on each chunk before it is summed.
    Case(name: "sum of x*x over 1000003", count: 1_000_003, make: { let t = Tensor($0); return (t * t).sum() },
         reference: { [$0.reduce(0) { $0 + Double($1) * Double($1) }] }),
    // A strided reduced axis: outputs are contiguous columns.
    Case(name: "sum(axis: 0) of 262144x5", count: 262_144 * 5, make: { Tensor($0, shape: [262_144, 5]).sum(axis: 0) },
         reference: { v in (0..<5).map { j in stride(from: j, to: v.count, by: 5).reduce(0) { $0 + Double(v[$1]) } } }),
    Case(name: "max of 2^22", count: 1 << 22, make: { Tensor($0).max() },
         reference: { [Double($0.max()!)] }),
    // A product with a small C and a long K: a GEMM batched over K chunks, then a sum of the chunks.
    Case(name: "(8x40960) @ (40960x9)", count: 17 * 40_960, make: { v in
      Tensor(Array(v[..<(8 * 40_960)]), shape: [8, 40_960]).matmul(Tensor(Array(v[(8 * 40_960)...]), shape: [40_960, 9]))
    }, reference: { v in
      (0..<8).flatMap { i in (0..<9).map { j in
        (0..<40_960).reduce(0.0) { $0 + Double(v[i * 40_960 + $1]) * Double(v[8 * 40_960 + $1 * 9 + j]) }
      } }
    }),
    // The same with K unit-stride in both operands: K chunks of 3x3 dot-product blocks, then their sum.
    Case(name: "(8x40960) @ (9x40960)^T", count: 17 * 40_960, make: { v in
      Tensor(Array(v[..<(8 * 40_960)]), shape: [8, 40_960])
        .matmul(Tensor(Array(v[(8 * 40_960)...]), shape: [9, 40_960]).transpose())
    }, reference: { v in
      (0..<8).flatMap { i in (0..<9).map { j in
        (0..<40_960).reduce(0.0) { $0 + Double(v[i * 40_960 + $1]) * Double(v[(8 + j) * 40_960 + $1]) }
      } }
    }),
  ]

  @Test(arguments: cases)
  func splitReductionGivesTheSameBitsAtAnyThreadCountAndMatchesFloat64(_ c: Case) {
    let input = Self.values(c.count)
    let results = GlobalState.serialized {
      Self.threadCounts.map { threads in Self.at(threads: threads) { c.make(input).toArray() } }
    }
    for (threads, result) in zip(Self.threadCounts, results).dropFirst() {
      #expect(Self.bits(result) == Self.bits(results[0]), "\(c.name) at \(threads) threads differs from 1 thread")
    }
    let magnitude = input.reduce(0) { $0 + Swift.abs(Double($1)) }
    expectClose(results[0], c.reference(input), atol: 1e-5 * magnitude, rtol: 0, c.name)
  }

  @Test func longReductionsWithFewOutputsAreSplitIntoTwoKernels() {
    let sum = Scheduler.schedule([Tensor(Self.values(1 << 22)).sum().lazydata])
    #expect(sum.kernels.map(\.kind) == [.reduce, .reduce])
    #expect(sum.kernels.first?.shape == [256, 16_384])
    let padded = Scheduler.schedule([Tensor(Self.values(1_000_003)).sum().lazydata])
    #expect(padded.kernels.map(\.shape) == [[61, 16_384], [61 + 579]])
    // Many outputs already give every core tiles: one kernel.
    let rows = Scheduler.schedule([Tensor(Self.values(1 << 22), shape: [1_024, 4_096]).sum(axis: 1).lazydata])
    #expect(rows.kernels.count == 1)
    // A long-K product with few outputs: a GEMM over K chunks (a batch of two), then their sum.
    let product = Scheduler.schedule([Tensor(Self.values(8 * 40_960), shape: [8, 40_960])
      .matmul(Tensor(Self.values(40_960 * 9), shape: [40_960, 9])).lazydata])
    #expect(product.kernels.map(\.kind) == [.gemm, .reduce])
    #expect(product.kernels.first?.gemm?.batch == 2)
    // exp2(0) is 1, so padding would add to the sum; a prime length stays one kernel.
    let exp = Scheduler.schedule([Tensor(Self.values(1_000_003)).exp().sum().lazydata])
    #expect(exp.kernels.filter { $0.kind == .reduce }.count == 1)
  }
}
