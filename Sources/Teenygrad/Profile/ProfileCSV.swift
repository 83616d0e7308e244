import Foundation

/// Per-kernel profiling for users: turn recording on, run, write the CSV (columns as in the API:
/// `run,kernel,kind,shape,tiles,threads,start_ns,duration_ns,flops,bytes,gflops,gbps`).
public enum KernelProfile {
  /// Starts recording one row per kernel run.
  public static func start() { Profiler.setRecording(true) }

  /// Stops recording and writes every row recorded since ``start()`` to `path` (`-` for standard output).
  public static func finish(writingTo path: String) throws {
    Profiler.setRecording(false)
    try write(Profiler.drain(), to: path)
  }

  /// The CSV header line.
  public static let header = "run,kernel,kind,shape,tiles,threads,start_ns,duration_ns,flops,bytes,gflops,gbps"

  static func write(_ records: [KernelRecord], to path: String) throws {
    let origin = records.map(\.startNs).min() ?? 0
    var text = header + "\n"
    for r in records {
      let ns = Double(Swift.max(r.durationNs, 1))
      let shape = r.shape.map(String.init).joined(separator: "x")
      let name = r.name.contains(",") ? "\"\(r.name)\"" : r.name
      text += "\(r.run),\(name),\(r.kind.rawValue),\(shape),\(r.tiles),\(r.threads),\(r.startNs - origin),\(r.durationNs),"
      text += "\(r.flops),\(r.bytes),\(String(format: "%.3f", Double(r.flops) / ns)),\(String(format: "%.3f", Double(r.bytes) / ns))\n"
    }
    if path == "-" { print(text, terminator: ""); return }
    try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
  }

  /// Writes the rows recorded under `TEENYGRAD_PROFILE` when the process exits.
  static func installExitWriter() {
    guard EnvironmentFlags.profilePath != nil else { return }
    atexit {
      guard let path = EnvironmentFlags.profilePath else { return }
      try? KernelProfile.write(Profiler.drain(), to: path)
    }
  }
}
