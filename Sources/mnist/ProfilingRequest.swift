import Foundation

/// The `--profile` and `--trace` requests.
///
/// `--profile` sets `TEENYGRAD_PROFILE`, the library's switch for recording kernel runs, before the library
/// reads its environment. The library has no public trace writer, so `--trace` only reports that.
struct ProfilingRequest {
  let csvPath: String?
  let tracePath: String?

  /// Turns recording on; call before any tensor is created.
  func start() {
    if let csvPath { setenv("TEENYGRAD_PROFILE", csvPath, 1) }
    if let tracePath { printToStandardError("mnist: --trace is not supported by this build; \(tracePath) is not written") }
  }

  /// Reports a requested CSV that the library did not write.
  func finish() {
    if let csvPath, !FileManager.default.fileExists(atPath: csvPath) {
      printToStandardError("mnist: --profile recorded kernel runs, but this build has no CSV writer; \(csvPath) is not written")
    }
  }
}
