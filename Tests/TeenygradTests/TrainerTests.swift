import Foundation
import Testing
import Teenygrad

/// The MNIST trainer: it learns on the real data, and a run resumed from a checkpoint ends bitwise identical to
/// one that never stopped.
@Suite struct TrainerTests {
  /// Patterned images with labels 0-9 in turn, enough for a few small batches without the MNIST files.
  static func syntheticImages(count: Int) -> DigitImages {
    let images = (0..<count * MNIST.pixelsPerImage).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 97) }
    return DigitImages(images: images, labels: (0..<count).map { UInt8($0 % 10) })
  }

  static func temporaryFile(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("teenygrad-trainer-\(UUID().uuidString)-\(name)")
  }

  /// teenygrad's `mnist.py` check: 100 steps of TinyConvNet reach more than 93% on the test images.
  @Test(.enabled(if: !(ProcessInfo.processInfo.environment["MNIST_DIR"] ?? "").isEmpty,
                 "MNIST_DIR is not set: point it at a folder holding the four MNIST files"))
  func tinyConvNetLearnsMNIST() throws {
    let mnist = try MNIST(download: false)
    let accuracy = GlobalState.serialized {
      let trainer = MNISTTrainer(kind: .tiny, data: DigitImages(mnist, .train), seed: 1337)
      for _ in 0..<100 { trainer.trainStep() }
      return trainer.evaluate(DigitImages(mnist, .test))
    }
    #expect(accuracy > 0.93)
  }

  /// Four steps straight, against two steps, a restart from the checkpoint written there, and two more.
  @Test(arguments: MNISTModelKind.allCases)
  func resumedRunMatchesUninterruptedRun(kind: MNISTModelKind) throws {
    let data = Self.syntheticImages(count: 64)
    let middle = Self.temporaryFile("middle.safetensors")
    let straight = Self.temporaryFile("straight.safetensors")
    let resumed = Self.temporaryFile("resumed.safetensors")
    defer { for url in [middle, straight, resumed] { try? FileManager.default.removeItem(at: url) } }

    try GlobalState.serialized {
      let first = MNISTTrainer(kind: kind, data: data, batchSize: 4, seed: 42)
      for _ in 0..<2 { first.trainStep() }
      try first.saveCheckpoint(to: middle)
      for _ in 0..<2 { first.trainStep() }
      try first.saveCheckpoint(to: straight)

      let second = MNISTTrainer(kind: kind, data: data, batchSize: 4, seed: 42)
      try second.loadCheckpoint(from: middle)
      #expect(second.completedSteps == 2)
      let steps = (0..<2).map { _ in second.trainStep().step }
      #expect(steps == [3, 4])
      try second.saveCheckpoint(to: resumed)
    }
    #expect(try Data(contentsOf: straight) == Data(contentsOf: resumed))
  }

  @Test func checkpointOfAnotherModelIsRejected() throws {
    let data = Self.syntheticImages(count: 8)
    let url = Self.temporaryFile("tiny.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try GlobalState.serialized {
      try MNISTTrainer(kind: .tiny, data: data, batchSize: 2).saveCheckpoint(to: url)
      let convnet = MNISTTrainer(kind: .convnet, data: data, batchSize: 2)
      #expect(throws: CheckpointError.modelMismatch(path: url.path, expected: "convnet", found: "tiny")) {
        try convnet.loadCheckpoint(from: url)
      }
    }
  }

  @Test func missingCheckpointIsReported() {
    let url = Self.temporaryFile("absent.safetensors")
    let trainer = GlobalState.serialized { MNISTTrainer(kind: .tiny, data: Self.syntheticImages(count: 8)) }
    #expect(throws: CheckpointError.missing(path: url.path)) { try trainer.loadCheckpoint(from: url) }
  }

  @Test func checkpointWithoutTrainingStateIsMalformed() throws {
    let url = Self.temporaryFile("weights.safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try safeSave(["weight": Tensor([1, 2] as [Float])], to: url)
    let trainer = GlobalState.serialized { MNISTTrainer(kind: .tiny, data: Self.syntheticImages(count: 8)) }
    #expect(throws: CheckpointError.self) { try trainer.loadCheckpoint(from: url) }
  }
}
