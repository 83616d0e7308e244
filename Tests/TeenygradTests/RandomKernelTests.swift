import Foundation
import Testing

@testable import Teenygrad

/// The seed of every random program here; a failure names the program's index, so `RandomProgram.make(seed:index:)`
/// rebuilds it.
private let programSeed: UInt64 = 0x7EE7_9AAD

/// Whether `actual` matches the reference `expected` within float tolerance (NaNs and infinities must match).
private func close(_ actual: Float, _ expected: Float) -> Bool {
  if expected.isNaN || actual.isNaN { return expected.isNaN && actual.isNaN }
  if expected.isInfinite || actual.isInfinite { return expected == actual }
  return Swift.abs(actual - expected) <= 1e-3 * Swift.max(1, Swift.abs(expected), Swift.abs(actual))
}

/// Returns a description of how program `index` disagrees with its reference, or `nil` when it agrees.
private func mismatch(_ program: RandomProgram, index: Int, _ result: (shape: [Int], values: [Float])) -> String? {
  let expected = program.reference()
  let header = "program \(index) (seed \(programSeed)):\n\(program)\n"
  guard result.shape == expected.shape else {
    return header + "shape \(result.shape), reference \(expected.shape)"
  }
  guard result.values.count == expected.data.count else {
    return header + "\(result.values.count) values, reference \(expected.data.count)"
  }
  if let bad = result.values.indices.first(where: { !close(result.values[$0], expected.data[$0]) }) {
    return header + "element \(bad): \(result.values[bad]), reference \(expected.data[bad])\n"
      + "result    \(result.values)\nreference \(expected.data)"
  }
  return nil
}

/// Thousands of random small tensor programs (shapes with zero- and one-sized dimensions; elementwise chains;
/// permute, reshape, expand, pad, shrink, flip; sum and max along random axes) against an independent scalar
/// reference, and bitwise identical at 1, 2 and 3 threads.
@Suite(.timeLimit(.minutes(3)))
struct RandomKernelTests {
  @Test func programsMatchTheScalarReference() {
    var failures: [String] = []
    for index in 0..<2000 {
      let program = RandomProgram.make(seed: programSeed, index: index)
      if let failure = mismatch(program, index: index, program.evaluate()) { failures.append(failure) }
    }
    #expect(failures.isEmpty, "\(failures.count) of 2000 programs differ; first:\n\(failures.first ?? "")")
  }

  @Test func theGeneratorCoversEveryOpAndEdgeShape() {
    let programs = (0..<2000).map { RandomProgram.make(seed: programSeed, index: $0) }
    let steps = programs.flatMap(\.steps).map { "\($0)".prefix { $0 != "(" } }
    for name in ["unary", "scalar", "binary", "permute", "reshape", "expand", "pad", "shrink", "flip", "sum", "max",
                 "contiguous"] {
      #expect(steps.contains { $0 == name }, "no \(name) step")
    }
    #expect(programs.contains { $0.reference().count == 0 }, "no zero-sized result")
    #expect(programs.contains { $0.reference().count == 1 }, "no one-element result")
    #expect(programs.contains { $0.leaves[0].shape.contains(0) }, "no zero-sized input")
  }

  /// Runs in a child process, since it changes `Runtime.threads` for the whole process.
  @Test func resultsAreBitwiseIdenticalAtOneTwoAndThreeThreads() async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardOutputContent, \.standardErrorContent]
    ) {
      let programs = (0..<1500).map { RandomProgram.make(seed: programSeed, index: $0) }
      var results: [[[UInt32]]] = []
      for threads in [1, 2, 3] {
        Runtime.threads = threads
        results.append(programs.map { $0.evaluate().values.map(\.bitPattern) })
      }
      for (index, program) in programs.enumerated() {
        let single = results[0][index]
        if results[1][index] != single || results[2][index] != single {
          FileHandle.standardError.write(Data("program \(index) differs across thread counts:\n\(program)\n".utf8))
          exit(1)
        }
        let values = single.map(Float.init(bitPattern:))
        if let failure = mismatch(program, index: index, (program.reference().shape, values)) {
          FileHandle.standardError.write(Data(failure.utf8))
          exit(1)
        }
      }
      print("checked \(programs.count) programs")
    }
    let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(message.isEmpty, "\(message)")
    #expect(String(decoding: result?.standardOutputContent ?? [], as: UTF8.self) == "checked 1500 programs\n")
  }

  /// Resizes the pool hundreds of times, from the test's thread and from another thread at once, while kernels
  /// run: every result stays right, and every retired pool's workers stop.
  @Test func resizingThePoolUnderLoadLeaksNoWorkers() async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardOutputContent, \.standardErrorContent]
    ) {
      func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
      }
      let input = Tensor((0..<4096).map { Float($0 % 13) }, shape: [64, 64])
      var expected = [Float](repeating: 0, count: 64)
      for index in 0..<4096 { expected[index / 64] += Float(index % 13) * 2 }
      var counters: [@Sendable () -> Int] = []
      let resizer = Thread {
        for round in 0..<300 { Runtime.threads = 1 + round % 4 }
      }
      resizer.start()
      for round in 0..<300 {
        Runtime.threads = 1 + (round * 7) % 5
        counters.append(Runtime.pool.liveWorkerCounter)
        let sums = (input + input).sum(axis: 1).toArray()
        if sums != expected { fail("round \(round): wrong sums \(sums.prefix(4))") }
      }
      while !resizer.isFinished { usleep(10_000) }
      Runtime.threads = 1
      counters.append(Runtime.pool.liveWorkerCounter)
      let deadline = Date().addingTimeInterval(20)
      while counters.contains(where: { $0() != 0 }), Date() < deadline { usleep(10_000) }
      let live = counters.map { $0() }.filter { $0 != 0 }
      if !live.isEmpty { fail("\(live.count) pools still have live workers: \(live)") }
      print("\(counters.count) pools retired")
    }
    let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(message.isEmpty, "\(message)")
    #expect(String(decoding: result?.standardOutputContent ?? [], as: UTF8.self) == "301 pools retired\n")
  }
}
