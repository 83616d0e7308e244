import Foundation
import Testing
import Teenygrad

private let mnistBinary = ExecutableRunner.find("mnist")
private let mnistFolder = ProcessInfo.processInfo.environment["MNIST_DIR"].flatMap { $0.isEmpty ? nil : $0 }

/// What one killed run left behind.
private struct KillTally: CustomStringConvertible {
  var kills = 0
  var beforeFirstWrite = 0
  var duringWrite = 0
  var corrupt: [String] = []
  var resumes = 0

  var description: String {
    "\(kills) kills: \(beforeFirstWrite) before the first checkpoint, \(duringWrite) with a write in flight, "
      + "\(corrupt.count) corrupt checkpoints, \(resumes) resumed runs"
  }
}

/// `mnist --checkpoint-every 1` killed with SIGKILL at random moments, many times over: the checkpoint on disk
/// is always absent (before the first write) or complete and loadable, every restart resumes from the step it
/// holds, and the run that was killed and resumed ends bitwise identical to one that never stopped.
@Suite(.enabled(if: mnistBinary != nil && mnistFolder != nil, "needs the mnist executable and MNIST_DIR"),
       .timeLimit(.minutes(4)))
struct CheckpointKillTests {
  static let steps = 600
  static let kills = 30

  /// Returns the step count stored in the checkpoint at `url`, or the error it fails to load with.
  static func savedStep(_ url: URL) -> Result<Int, CheckpointError> {
    let images = DigitImages(images: [UInt8](repeating: 0, count: 2 * MNIST.pixelsPerImage), labels: [0, 1])
    return GlobalState.serialized {
      let trainer = MNISTTrainer(kind: .tiny, data: images, batchSize: 2)
      do throws(CheckpointError) {
        try trainer.loadCheckpoint(from: url)
        return .success(trainer.completedSteps)
      } catch {
        return .failure(error)
      }
    }
  }

  /// When the file at `url` was last written, or `nil` when there is none.
  static func modified(_ url: URL) -> Date? {
    (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
  }

  /// Temporary files a write in flight left in `folder`.
  static func leftovers(_ folder: URL) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".tmp") }
  }

  @Test func killedRunsLeaveLoadableCheckpointsAndResumeBitwise() throws {
    let binary = try #require(mnistBinary)
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("teenygrad-kill-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let reference = folder.appendingPathComponent("reference.safetensors")
    let killed = folder.appendingPathComponent("killed.safetensors")
    func arguments(_ checkpoint: URL) -> [String] {
      ["--model", "tiny", "--steps", "\(Self.steps)", "--batch-size", "16", "--threads", "1", "--seed", "7",
       "--data", mnistFolder ?? "", "--checkpoint", checkpoint.path, "--checkpoint-every", "1"]
    }

    // The uninterrupted run, timed to spread the kills over start-up and training.
    let start = Date()
    let running = try ExecutableRunner.start(binary, arguments(reference))
    var firstWrite: Double?
    while running.process.isRunning {
      if firstWrite == nil, FileManager.default.fileExists(atPath: reference.path) {
        firstWrite = Date().timeIntervalSince(start)
      }
      Thread.sleep(forTimeInterval: 0.002)
    }
    let straight = running.wait()
    try #require(straight.status == 0 && !straight.signaled, "\(straight.standardError)")
    let total = Date().timeIntervalSince(start)
    let startup = firstWrite ?? total / 2
    let perStep = max(total - startup, 0.01) / Double(Self.steps)

    var random = SeededRandom(state: 20_261_127)
    var tally = KillTally()
    var lastStep = 0
    while tally.kills < Self.kills {
      let resuming = FileManager.default.fileExists(atPath: killed.path)
      let process = try ExecutableRunner.start(binary, arguments(killed) + (resuming ? ["--resume"] : []))
      // The first kill lands before the first checkpoint; then one in six during start-up; two in six as soon as a checkpoint write has created its
      // temporary file; the others once the run has written a new checkpoint, at a random point of the next
      // two steps.
      let delay: Double
      let mode = random.unit()
      if tally.kills == 0 {
        delay = startup / 2
      } else if mode < 1.0 / 6 {
        delay = startup * random.unit()
      } else if mode < 0.5 {
        // Polling can miss a short write: then stop waiting at the next completed checkpoint instead.
        let previous = Self.modified(killed)
        let deadline = Date().addingTimeInterval(30)
        while process.process.isRunning, Self.leftovers(folder).isEmpty, Self.modified(killed) == previous, Date() < deadline {
          Thread.sleep(forTimeInterval: 0.0002)
        }
        delay = 0.001 * random.unit()
      } else {
        let previous = Self.modified(killed)
        let deadline = Date().addingTimeInterval(30)
        while process.process.isRunning, Self.modified(killed) == previous, Date() < deadline {
          Thread.sleep(forTimeInterval: 0.0005)
        }
        delay = perStep * 2 * random.unit()
      }
      Thread.sleep(forTimeInterval: delay)
      process.kill(SIGKILL)
      let outcome = process.wait()
      if !outcome.signaled {
        // It finished before the kill: nothing more to interrupt.
        #expect(outcome.status == 0, "\(outcome.standardError)")
        if case .success(let step) = Self.savedStep(killed) { lastStep = step }
        break
      }
      tally.kills += 1
      if resuming, let line = outcome.standardError.split(separator: "\n").first(where: { $0.hasPrefix("resuming") }) {
        tally.resumes += 1
        #expect(line == "resuming tiny from step \(lastStep) of \(Self.steps)")
      }
      let stray = Self.leftovers(folder)
      if !stray.isEmpty { tally.duringWrite += 1 }
      for name in stray { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
      guard FileManager.default.fileExists(atPath: killed.path) else {
        tally.beforeFirstWrite += 1
        #expect(lastStep == 0, "the checkpoint disappeared after step \(lastStep)")
        continue
      }
      switch Self.savedStep(killed) {
      case .success(let step):
        #expect(step >= lastStep && step <= Self.steps, "step \(step) after \(lastStep)")
        lastStep = step
      case .failure(let error):
        tally.corrupt.append("kill \(tally.kills) after \(delay)s: \(error)")
      }
    }
    print("checkpoint kill test: \(tally); start-up \(startup) s, \(perStep) s per step")
    #expect(tally.corrupt.isEmpty, "\(tally.corrupt)")
    #expect(tally.kills >= Self.kills / 2, "the runs finished before they could be killed: \(tally)")

    // Finish the interrupted run; it must end exactly where the uninterrupted one did.
    let resumed = FileManager.default.fileExists(atPath: killed.path)
    let last = try ExecutableRunner.run(binary, arguments(killed) + (resumed ? ["--resume"] : []))
    #expect(last.status == 0 && !last.signaled, "\(last.standardError)")
    if resumed {
      #expect(last.standardError.contains("resuming tiny from step \(lastStep) of \(Self.steps)"))
    }
    #expect(try Data(contentsOf: killed) == Data(contentsOf: reference), "killed-and-resumed run differs")
    #expect(last.standardOutput.split(separator: "\n").last == straight.standardOutput.split(separator: "\n").last)
    #expect(Self.leftovers(folder).isEmpty)
  }
}
