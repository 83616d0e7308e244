import ArgumentParser
import Foundation
import Teenygrad

/// The options every benchmark subcommand shares: thread counts, samples and where the CSV goes.
struct BenchOptions: ParsableArguments {
  @Option(help: ArgumentHelp(
    "Comma-separated thread counts (default: 1, 2, 4, ... up to the cores hwloc reports, plus that count).",
    discussion: "1 is always measured: it is the baseline of speedup and efficiency.",
    valueName: "1,2,..."))
  var threads: String?

  @Option(name: .customLong("repeat"), help: ArgumentHelp("Timed samples per op and thread count.", valueName: "R"))
  var repetitions: Int = 5

  @Option(help: ArgumentHelp("Write the results as CSV to this file; - writes them to standard output.",
                             valueName: "out.csv"))
  var csv: String?

  func validate() throws {
    if repetitions < 1 { throw ValidationError("--repeat must be at least 1, not \(repetitions)") }
    _ = try threadCounts()
  }

  /// The thread counts to measure, ascending and without repeats, always including 1.
  func threadCounts() throws -> [Int] {
    guard let threads else { return Self.defaultThreadCounts(cores: Runtime.topology.physicalCores) }
    var counts: [Int] = [1]
    for field in threads.split(separator: ",", omittingEmptySubsequences: false) {
      guard let count = Int(field.trimmingCharacters(in: .whitespaces)), count >= 1 else {
        throw ValidationError("--threads takes positive integers separated by commas, not '\(threads)'")
      }
      counts.append(count)
    }
    return Array(Set(counts)).sorted()
  }

  /// 1, 2, 4, ... below `cores`, then `cores` itself.
  static func defaultThreadCounts(cores: Int) -> [Int] {
    var counts: [Int] = []
    var count = 1
    while count < cores {
      counts.append(count)
      count *= 2
    }
    counts.append(max(1, cores))
    return counts
  }

  /// Writes `rows` as CSV to ``csv`` when it is set, and a readable table to standard output unless the
  /// CSV goes there.
  func report(_ rows: [BenchRow]) throws {
    if csv != "-" { print(BenchRow.table(rows), terminator: "") }
    guard let csv else { return }
    let text = BenchRow.csv(rows)
    if csv == "-" {
      print(text, terminator: "")
    } else {
      try text.write(toFile: csv, atomically: true, encoding: .utf8)
      Log.note("wrote \(csv)")
    }
  }
}

/// Progress and notes for the person running a benchmark, on standard error so that `--csv -` stays clean.
enum Log {
  static func note(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
  }
}
