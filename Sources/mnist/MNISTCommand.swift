import ArgumentParser
import Foundation
import Teenygrad

extension MNISTModelKind: ExpressibleByArgument {}

/// `mnist`: trains a convnet on MNIST and prints its accuracy on the 10,000 test images as the last line.
@main
struct MNISTCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "mnist",
    abstract: "Train a convnet on MNIST with Adam and report its test accuracy.",
    discussion: """
      The data folder is --data, else MNIST_DIR, else extra/datasets/mnist; missing files are downloaded \
      and verified. The last line of standard output is "test accuracy: 0.XXXX".
      """
  )

  @Option(help: "The model: tiny (teenygrad's TinyConvNet) or convnet (the Keras MNIST convnet).")
  var model: MNISTModelKind = .convnet

  // Numeric options take the next argument even when it starts with "-", so `--steps -3` is reported as a
  // value out of range rather than as a missing value followed by an unknown option.
  @Option(parsing: .unconditional, help: "Training steps (default: one epoch).")
  var steps: Int?

  @Option(parsing: .unconditional,
          help: "Epochs to train, each 60000 / batch-size steps rounded up (instead of --steps).")
  var epochs: Int?

  @Option(parsing: .unconditional, help: "Images per step.")
  var batchSize: Int = 128

  @Option(parsing: .unconditional, help: "Adam's learning rate.")
  var lr: Float = 0.001

  @Option(parsing: .unconditional, help: "Seed of the weights, the batches and dropout.")
  var seed: UInt64 = 1337

  @Option(parsing: .unconditional, help: "Worker threads that run kernels (default: every core).")
  var threads: Int?

  @Option(help: "The folder holding the four MNIST files.")
  var data: String?

  @Option(help: "Write one CSV row per kernel run to this file.")
  var profile: String?

  @Option(help: "Write a Chrome trace of the kernel runs to this file.")
  var trace: String?

  @Option(help: "Save model and optimizer state to this safetensors file while training.")
  var checkpoint: String?

  @Option(parsing: .unconditional, help: "Steps between checkpoints (one is also written at the end).")
  var checkpointEvery: Int = 100

  @Flag(help: "Continue from --checkpoint up to the same total number of steps.")
  var resume = false

  /// Parses the arguments and trains. Help and version requests print as usual; every failure prints one
  /// line, `mnist: <reason>`, on standard error and exits with a non-zero status (64 for a usage error).
  static func main() {
    do {
      let command = try parse()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      guard code != .success else { exit(withError: error) }
      let lines = message(for: error).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
      let reason = lines.first(where: { !$0.isEmpty }) ?? "failed (\(error))"
      let hint = code == .validationFailure ? " (see 'mnist --help')" : ""
      printToStandardError("mnist: \(reason)\(hint)")
      Foundation.exit(code.rawValue)
    }
  }

  func validate() throws {
    if steps != nil, epochs != nil { throw ValidationError("give --steps or --epochs, not both") }
    if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, not \(steps)") }
    if let epochs, epochs < 1 { throw ValidationError("--epochs must be at least 1, not \(epochs)") }
    if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, not \(batchSize)") }
    if !(lr.isFinite && lr > 0) { throw ValidationError("--lr must be a positive number, not \(lr)") }
    if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
    if checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1, not \(checkpointEvery)") }
    if resume, checkpoint == nil { throw ValidationError("--resume needs --checkpoint PATH") }
  }

  func run() throws {
    let profiling = ProfilingRequest(csvPath: profile, tracePath: trace)
    profiling.start()
    if let threads { Runtime.threads = threads }

    let checkpointURL = checkpoint.map { URL(fileURLWithPath: $0) }
    if let folder = checkpointURL?.deletingLastPathComponent(), !Self.isDirectory(folder) {
      throw CommandFailure("cannot write checkpoint \(checkpointURL!.path): no folder \(folder.path)")
    }
    if let checkpointURL, Self.isDirectory(checkpointURL) {
      throw CommandFailure("cannot use checkpoint \(checkpointURL.path): it is a folder")
    }
    for (flag, path) in [("--profile", profile), ("--trace", trace)] {
      guard let path else { continue }
      let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
      guard Self.isDirectory(folder) else {
        throw CommandFailure("cannot write \(flag) \(path): no folder \(folder.path)")
      }
    }
    if let data, !Self.isDirectory(URL(fileURLWithPath: data)) {
      throw CommandFailure("--data \(data): no such folder")
    }
    if resume, let path = checkpointURL?.path, !FileManager.default.fileExists(atPath: path) {
      throw CommandFailure("cannot resume: \(CheckpointError.missing(path: path))")
    }

    let mnist: MNIST
    do {
      mnist = try MNIST(directory: data)
    } catch {
      throw CommandFailure(error.description)
    }
    let trainer = MNISTTrainer(kind: model, data: DigitImages(mnist, .train), batchSize: batchSize,
                               learningRate: lr, seed: seed)
    let totalSteps = steps ?? (epochs ?? 1) * trainer.stepsPerEpoch
    if resume, let checkpointURL {
      do {
        try trainer.loadCheckpoint(from: checkpointURL)
      } catch {
        throw CommandFailure("cannot resume: \(error.description)")
      }
      printToStandardError("resuming \(model.rawValue) from step \(trainer.completedSteps) of \(totalSteps)")
    }
    print("training \(model.rawValue) for \(plural(totalSteps, "step")), batch \(batchSize), \(plural(Runtime.threads, "thread"))")

    let run = TrainingRun(trainer: trainer, totalSteps: totalSteps, checkpoint: checkpointURL,
                          checkpointEvery: checkpointEvery)
    do {
      try run.run(progress: ProgressDisplay(totalSteps: totalSteps, startStep: trainer.completedSteps))
    } catch {
      throw CommandFailure(error.description)
    }

    let accuracy = trainer.evaluate(DigitImages(mnist, .test))
    try profiling.finish()
    print(String(format: "test accuracy: %.4f", accuracy))
  }

  private static func isDirectory(_ url: URL) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
  }
}

/// A failure the command reports as one line on standard error before exiting with a non-zero status.
struct CommandFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// Returns "1 step", "2 steps" and so on.
func plural(_ count: Int, _ noun: String) -> String {
  "\(count) \(noun)\(count == 1 ? "" : "s")"
}

/// Writes `message` and a newline to standard error.
func printToStandardError(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}
