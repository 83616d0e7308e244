import Teenygrad

/// The `--profile` and `--trace` requests.
///
/// `--profile` records one row per kernel run with ``KernelProfile``, writes them as CSV when the run ends and
/// prints the summary table to standard error. `--trace` records a Chrome trace with ``KernelTrace``.
struct ProfilingRequest {
  let csvPath: String?
  let tracePath: String?

  /// Starts recording; call before training.
  func start() {
    if csvPath != nil { KernelProfile.start() }
    if tracePath != nil { KernelTrace.start() }
  }

  /// Writes the recorded rows to the CSV file and the spans to the trace file.
  func finish() throws(CommandFailure) {
    if let csvPath {
      do {
        try KernelProfile.finish(writingTo: csvPath)
      } catch {
        throw CommandFailure("cannot write profile \(csvPath): \(error.localizedDescription)")
      }
    }
    if let tracePath {
      do {
        try KernelTrace.finish(writingTo: tracePath)
      } catch {
        throw CommandFailure("cannot write trace \(tracePath): \(error.localizedDescription)")
      }
    }
  }
}
