import Foundation

/// Per-kernel profiling for users: turn recording on, run, write the CSV (columns as in the API:
/// `run,kernel,kind,shape,tiles,threads,start_ns,duration_ns,flops,bytes,gflops,gbps`) and get a summary.
///
/// Setting `TEENYGRAD_PROFILE=path.csv` records the whole process and writes the file at exit. The summary
/// groups kernels by name and puts each against the machine's measured peak FLOP/s and memory bandwidth
/// (a text roofline); `DEBUG=2` prints it at exit too.
///
/// ```swift
/// KernelProfile.start()
/// let y = x.matmul(w).relu().realize()
/// try KernelProfile.finish(writingTo: "profile.csv")
/// ```
public enum KernelProfile {
  /// Starts recording one row per kernel run, discarding rows recorded before; runs count from 0.
  public static func start() { Profiler.setRecording(true) }

  /// Stops recording, writes every row recorded since ``start()`` to `path` (`-` for standard output) and
  /// returns the summary table, which it also prints to standard error unless `printSummary` is false.
  ///
  /// The first summary of a process measures the machine's peak (about a tenth of a second).
  @discardableResult
  public static func finish(writingTo path: String, printSummary: Bool = true) throws -> String {
    Profiler.setRecording(false)
    let data = Profiler.drain()
    try write(data.records, to: path)
    let summary = ProfileSummary(data: data, peak: .measured).text
    if printSummary { FileHandle.standardError.write(Data((summary + "\n").utf8)) }
    return summary
  }

  /// The CSV header line.
  public static let header = "run,kernel,kind,shape,tiles,threads,start_ns,duration_ns,flops,bytes,gflops,gbps"

  /// The CSV text for `records`: runs renumbered from 0 in order of appearance, start times from the
  /// first kernel's start.
  static func csv(_ records: [KernelRecord]) -> String {
    let origin = records.map(\.startNs).min() ?? 0
    var runs: [Int: Int] = [:]
    var text = header + "\n"
    for r in records {
      let run = runs[r.run] ?? runs.count
      runs[r.run] = run
      let shape = r.shape.isEmpty ? "1" : r.shape.map(String.init).joined(separator: "x")
      let name = r.name.contains(",") || r.name.contains("\"")
        ? "\"" + r.name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : r.name
      let ns = Double(r.durationNs)
      text += "\(run),\(name),\(r.kind.rawValue),\(shape),\(r.tiles),\(r.threads),\(r.startNs - origin),\(r.durationNs),"
      text += "\(r.flops),\(r.bytes),\(String(format: "%.3f", Double(r.flops) / ns)),\(String(format: "%.3f", Double(r.bytes) / ns))\n"
    }
    return text
  }

  static func write(_ records: [KernelRecord], to path: String) throws {
    let text = csv(records)
    if path == "-" { print(text, terminator: ""); return }
    try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// At exit: writes the rows recorded under `TEENYGRAD_PROFILE` and prints the summary (also for
  /// `DEBUG >= 2`).
  static func installExitWriter() {
    guard EnvironmentFlags.profilePath != nil || EnvironmentFlags.debug >= 2 else { return }
    atexit {
      let data = Profiler.drain()
      if let path = EnvironmentFlags.profilePath {
        do {
          try KernelProfile.write(data.records, to: path)
        } catch {
          FileHandle.standardError.write(Data("teenygrad: cannot write profile \(path): \(error)\n".utf8))
        }
      }
      guard !data.records.isEmpty else { return }
      let summary = ProfileSummary(data: data, peak: .measured).text
      FileHandle.standardError.write(Data((summary + "\n").utf8))
    }
  }
}
