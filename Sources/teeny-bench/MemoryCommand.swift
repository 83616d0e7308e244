import ArgumentParser
import Foundation
import Teenygrad

/// `teeny-bench memory`: the resident size of an MNIST training loop as it runs, to show that memory stays
/// flat from step to step (no buffer, graph or profile grows with the step count).
struct MemoryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "memory",
    abstract: "Train an MNIST model and print the process's resident size at given steps.",
    discussion: """
      Trains with MNISTTrainer on the MNIST training images when MNIST_DIR holds them, otherwise on \
      synthetic images, and prints CSV lines step,rss_kib,peak_rss_kib (VmRSS and VmHWM of /proc/self/status) \
      after each step listed in --at.
      """
  )

  @Option(help: ArgumentHelp("The model: \(MNISTModelKind.allCases.map(\.rawValue).joined(separator: ", ")).",
                             valueName: "kind"))
  var model: String = MNISTModelKind.tiny.rawValue

  @Option(help: ArgumentHelp("Comma-separated steps after which to print the resident size.", valueName: "S,..."))
  var at: String = "100,1000"

  @Option(help: ArgumentHelp("Images per step.", valueName: "B"))
  var batch: Int = 128

  func validate() throws {
    if MNISTModelKind(rawValue: model) == nil { throw ValidationError("unknown model '\(model)'") }
    if batch < 1 { throw ValidationError("--batch must be positive, not \(batch)") }
    _ = try steps()
  }

  func run() throws {
    let kind = MNISTModelKind(rawValue: model)!
    let trainer = MNISTTrainer(kind: kind, data: Self.trainingImages(), batchSize: batch, seed: 1337)
    let marks = try steps()
    emit("step,rss_kib,peak_rss_kib")
    for step in 1...(marks.last ?? 0) {
      trainer.trainStep()
      if marks.contains(step) {
        let (rss, peak) = Self.residentKiB()
        emit("\(step),\(rss),\(peak)")
      }
    }
  }

  /// Writes one line to standard output unbuffered, so that a pipe sees each step as it is reached.
  private func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
  }

  private func steps() throws -> [Int] {
    let values = at.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !values.isEmpty, values.allSatisfy({ $0 >= 1 }) else {
      throw ValidationError("--at takes positive step numbers separated by commas, not '\(at)'")
    }
    return values.sorted()
  }

  /// MNIST's training images when MNIST_DIR holds them, else 1024 patterned images.
  private static func trainingImages() -> DigitImages {
    if !(ProcessInfo.processInfo.environment["MNIST_DIR"] ?? "").isEmpty,
       let mnist = try? MNIST(download: false) {
      return DigitImages(mnist, .train)
    }
    Log.note("MNIST_DIR holds no MNIST files: training on synthetic images")
    let count = 1_024
    let images = (0..<count * MNIST.pixelsPerImage).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ $0 / 97) }
    return DigitImages(images: images, labels: (0..<count).map { UInt8($0 % 10) })
  }

  /// VmRSS and VmHWM from /proc/self/status, in KiB (0 where absent).
  private static func residentKiB() -> (Int, Int) {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    func field(_ name: String) -> Int {
      guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
      return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? 0
    }
    return (field("VmRSS"), field("VmHWM"))
  }
}
