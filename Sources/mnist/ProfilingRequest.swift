import Teenygrad

/// The `--profile` and `--trace` requests.
///
/// `--profile` records one row per kernel run with ``KernelProfile`` and writes them as CSV when the run ends.
/// The library has no trace writer, so `--trace` only says that it writes nothing.
struct ProfilingRequest {
  let csvPath: String?
  let tracePath: String?

  /// Starts recording; call before training.
  func start() {
    if csvPath != nil { KernelProfile.start() }
    if let tracePath {
      printToStandardError("mnist: --trace is not supported by this build; \(tracePath) is not written")
    }
  }

  /// Writes the recorded rows to the CSV file.
  func finish() throws(CommandFailure) {
    guard let csvPath else { return }
    do {
      try KernelProfile.finish(writingTo: csvPath)
    } catch {
      throw CommandFailure("cannot write profile \(csvPath): \(error.localizedDescription)")
    }
  }
}
