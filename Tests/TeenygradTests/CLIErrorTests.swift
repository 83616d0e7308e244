import Foundation
import Testing
import Teenygrad

/// One bad `mnist` command line and the words its one-line error must contain.
struct BadCommandLine: Sendable, CustomTestStringConvertible {
  /// Arguments; `$TMP` stands for a fresh folder and `$MNIST` for the MNIST folder.
  let arguments: [String]
  let expected: String
  /// The exit status: 64 for usage errors, 1 for failures found while running.
  let status: Int32
  /// Whether the case loads the MNIST files before it fails.
  let needsData: Bool

  init(_ arguments: [String], _ expected: String, status: Int32 = 64, needsData: Bool = false) {
    self.arguments = arguments
    self.expected = expected
    self.status = status
    self.needsData = needsData
  }

  var testDescription: String { "mnist " + arguments.joined(separator: " ") }

  static let all: [BadCommandLine] = [
    BadCommandLine(["--bogus"], "Unknown option '--bogus'"),
    BadCommandLine(["extra"], "Unexpected argument 'extra'"),
    BadCommandLine(["--steps", "-3"], "--steps must be at least 1, not -3"),
    BadCommandLine(["--steps", "0"], "--steps must be at least 1, not 0"),
    BadCommandLine(["--steps", "many"], "The value 'many' is invalid for '--steps <steps>'"),
    BadCommandLine(["--steps"], "Missing value for '--steps <steps>'"),
    BadCommandLine(["--steps", "99999999999999999999"], "is invalid for '--steps <steps>'"),
    BadCommandLine(["--epochs", "0"], "--epochs must be at least 1, not 0"),
    BadCommandLine(["--steps", "1", "--epochs", "1"], "give --steps or --epochs, not both"),
    BadCommandLine(["--threads", "0"], "--threads must be at least 1, not 0"),
    BadCommandLine(["--threads", "-1"], "--threads must be at least 1, not -1"),
    BadCommandLine(["--model", "foo"], "The value 'foo' is invalid for '--model <model>'"),
    BadCommandLine(["--batch-size", "0"], "--batch-size must be at least 1, not 0"),
    BadCommandLine(["--lr", "nan"], "--lr must be a positive number, not nan"),
    BadCommandLine(["--lr", "-0.1"], "--lr must be a positive number, not -0.1"),
    BadCommandLine(["--seed", "-1"], "is invalid for '--seed <seed>'"),
    BadCommandLine(["--checkpoint-every", "0"], "--checkpoint-every must be at least 1, not 0"),
    BadCommandLine(["--resume"], "--resume needs --checkpoint PATH"),
    BadCommandLine(["--data", "/nonexistent"], "--data /nonexistent: no such folder", status: 1),
    BadCommandLine(["--data", "$TMP/file.txt"], "--data $TMP/file.txt: no such folder", status: 1),
    BadCommandLine(["--checkpoint", "/nonexistent/c.safetensors"],
                   "cannot write checkpoint /nonexistent/c.safetensors: no folder /nonexistent", status: 1),
    BadCommandLine(["--checkpoint", "$TMP"], "cannot use checkpoint $TMP: it is a folder", status: 1),
    BadCommandLine(["--resume", "--checkpoint", "$TMP/missing.safetensors"],
                   "cannot resume: no checkpoint at $TMP/missing.safetensors", status: 1),
    BadCommandLine(["--profile", "/nonexistent/p.csv"], "cannot write --profile /nonexistent/p.csv", status: 1),
    BadCommandLine(["--trace", "/nonexistent/t.json"], "cannot write --trace /nonexistent/t.json", status: 1),
    BadCommandLine(["--data", "$MNIST", "--model", "convnet", "--resume", "--checkpoint", "$TMP/tiny.safetensors"],
                   "cannot resume: checkpoint $TMP/tiny.safetensors holds a 'tiny' model, not 'convnet'",
                   status: 1, needsData: true),
    BadCommandLine(["--data", "$MNIST", "--resume", "--checkpoint", "$TMP/file.txt"],
                   "cannot resume: cannot read checkpoint $TMP/file.txt: safetensors:", status: 1, needsData: true),
  ]
}

private let mnistBinary = ExecutableRunner.find("mnist")
private let mnistFolder = ProcessInfo.processInfo.environment["MNIST_DIR"].flatMap { $0.isEmpty ? nil : $0 }

/// The `mnist` executable's command-line errors: each bad command line prints one line, `mnist: <reason>`, on
/// standard error and exits with a non-zero status, never by a signal.
@Suite(.enabled(if: mnistBinary != nil, "the mnist executable is not built beside the test bundle"))
struct CLIErrorTests {
  /// The cases that get as far as loading MNIST run only where `MNIST_DIR` names the files.
  @Test(arguments: BadCommandLine.all.filter { !$0.needsData || mnistFolder != nil })
  func failsWithOneLine(_ command: BadCommandLine) throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("teenygrad-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    try Data("not a checkpoint\n".utf8).write(to: folder.appendingPathComponent("file.txt"))
    if command.arguments.contains("$TMP/tiny.safetensors") {
      let images = DigitImages(images: [UInt8](repeating: 0, count: 2 * MNIST.pixelsPerImage), labels: [0, 1])
      try GlobalState.serialized {
        try MNISTTrainer(kind: .tiny, data: images, batchSize: 2).saveCheckpoint(
          to: folder.appendingPathComponent("tiny.safetensors"))
      }
    }
    func substitute(_ text: String) -> String {
      text.replacingOccurrences(of: "$TMP", with: folder.path)
        .replacingOccurrences(of: "$MNIST", with: mnistFolder ?? "")
    }

    let outcome = try ExecutableRunner.run(try #require(mnistBinary), command.arguments.map(substitute))
    #expect(!outcome.signaled, "ended by signal \(outcome.status)")
    #expect(outcome.status == command.status, "\(outcome.standardError)")
    let lines = outcome.standardError.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 2 && lines.last == "", "one line: \(outcome.standardError)")
    let line = String(lines.first ?? "")
    #expect(line.hasPrefix("mnist: ") && line.count < 400, "\(line)")
    #expect(line.contains(substitute(command.expected)), "\(line)")
  }

  @Test func helpStillPrintsUsageAndSucceeds() throws {
    let outcome = try ExecutableRunner.run(try #require(mnistBinary), ["--help"])
    #expect(outcome.status == 0 && !outcome.signaled)
    #expect(outcome.standardOutput.contains("USAGE: mnist") && outcome.standardOutput.contains("--checkpoint-every"))
  }
}
