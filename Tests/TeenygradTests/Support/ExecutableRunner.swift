import Foundation

/// Finds and runs the package's executables (built beside the test bundle) as child processes.
enum ExecutableRunner {
  /// How a child process ended and what it wrote.
  struct Outcome: Sendable {
    /// The exit status, or the signal number when ``signaled``.
    var status: Int32
    /// Whether a signal ended the process.
    var signaled: Bool
    var standardOutput: String
    var standardError: String
  }

  /// Returns the built executable `name`, looked for in `TEENYGRAD_BIN_DIR`, then beside the test bundle and
  /// the test runner; `nil` when it is not there.
  static func find(_ name: String) -> URL? {
    var folders: [URL] = []
    if let explicit = ProcessInfo.processInfo.environment["TEENYGRAD_BIN_DIR"] {
      folders.append(URL(fileURLWithPath: explicit, isDirectory: true))
    }
    // The runner is `<build>/<config>/TeenygradPackageTests.xctest`; the executables sit beside it.
    for url in [Bundle.main.executableURL, Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])] {
      if let url { folders.append(url.deletingLastPathComponent()) }
    }
    for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
      folders.append(bundle.bundleURL.deletingLastPathComponent())
    }
    return folders.lazy.map { $0.appendingPathComponent(name) }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }

  /// Starts `executable` with `arguments`, its output going to pipes read on background threads.
  static func start(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Running {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    let running = Running(process: process, out: out, err: err)
    try process.run()
    return running
  }

  /// Runs `executable` with `arguments` to the end.
  static func run(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
    try start(executable, arguments, environment: environment).wait()
  }

  /// A started child process.
  final class Running: @unchecked Sendable {
    let process: Process
    private let outData = Collected()
    private let errData = Collected()
    private let group = DispatchGroup()

    init(process: Process, out: Pipe, err: Pipe) {
      self.process = process
      for (pipe, sink) in [(out, outData), (err, errData)] {
        group.enter()
        let handle = pipe.fileHandleForReading
        DispatchQueue.global().async { [group] in
          sink.set(handle.readDataToEndOfFile())
          group.leave()
        }
      }
    }

    /// Sends `signal` to the process.
    func kill(_ signal: Int32) {
      _ = Foundation.kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end and returns how it ended.
    func wait() -> Outcome {
      process.waitUntilExit()
      group.wait()
      return Outcome(
        status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
        standardOutput: String(decoding: outData.get(), as: UTF8.self),
        standardError: String(decoding: errData.get(), as: UTF8.self))
    }
  }

  /// Bytes handed from a reader thread to the waiting one.
  private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func get() -> Data { lock.withLock { data } }
  }
}
