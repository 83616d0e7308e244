import Foundation
import Teenygrad

/// Shows training progress on standard output: one line redrawn in place on a terminal, or one plain line
/// every ``plainInterval`` steps (and at the last step) when the output is a file or a pipe.
final class ProgressDisplay {
  /// Steps between lines when the output is not a terminal.
  static let plainInterval = 50
  /// The shortest time between redraws on a terminal, in nanoseconds.
  static let redrawInterval: UInt64 = 100_000_000

  private let totalSteps: Int
  private let startStep: Int
  private let interactive: Bool
  private let startTime = DispatchTime.now().uptimeNanoseconds
  private var lastDraw: UInt64 = 0
  private var drewLine = false

  /// Creates a display for a run that goes from `startStep` completed steps to `totalSteps`.
  init(totalSteps: Int, startStep: Int, interactive: Bool = isatty(STDOUT_FILENO) != 0) {
    self.totalSteps = totalSteps
    self.startStep = startStep
    self.interactive = interactive
  }

  /// Reports a finished step.
  func update(_ step: TrainingStep) {
    let now = DispatchTime.now().uptimeNanoseconds
    let isLast = step.step >= totalSteps
    if interactive {
      guard isLast || now - lastDraw >= Self.redrawInterval else { return }
      lastDraw = now
      print("\r" + line(step, now: now) + "\u{1B}[K", terminator: "")
      drewLine = true
    } else {
      guard isLast || step.step % Self.plainInterval == 0 else { return }
      print(line(step, now: now))
    }
    fflush(nil)
  }

  /// Ends the line being redrawn on a terminal.
  func finish() {
    if drewLine { print("") }
    drewLine = false
  }

  private func line(_ step: TrainingStep, now: UInt64) -> String {
    let seconds = Double(now - startTime) / 1e9
    let rate = seconds > 0 ? Double(step.step - startStep) / seconds : 0
    let remaining = rate > 0 ? Double(totalSteps - step.step) / rate : 0
    let width = String(totalSteps).count
    let counter = String(repeating: " ", count: max(0, width - String(step.step).count)) + String(step.step)
    return "step \(counter)/\(totalSteps)  loss "
      + String(format: "%.4f  accuracy %.4f  %.2f steps/s  ETA ", step.loss, step.accuracy, rate)
      + Self.duration(remaining)
  }

  /// `m:ss`, or `h:mm:ss` from an hour up.
  private static func duration(_ seconds: Double) -> String {
    let total = Int(seconds.rounded())
    let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60)
    return hours > 0
      ? String(format: "%d:%02d:%02d", hours, minutes, secs)
      : String(format: "%d:%02d", minutes, secs)
  }
}
