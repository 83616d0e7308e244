import Foundation

/// One line of results: an op at one thread count, in the CSV's columns.
struct BenchRow {
  var op: String
  var shape: String
  var threads: Int
  var medianSeconds: Double
  var minSeconds: Double
  var maxSeconds: Double
  var gflops: Double
  var gbps: Double
  var speedup: Double
  var efficiency: Double

  static let columns = ["op", "shape", "threads", "median_s", "min_s", "max_s", "gflops", "gbps", "speedup",
                        "efficiency"]
  static var csvHeader: String { columns.joined(separator: ",") }

  /// The series the row belongs to: its op and shape, without the source prefix.
  var seriesKey: String { "\(operation) \(shape)" }

  /// What measured the row: the text before the first `:` in `op` (`numpy`, `torch`), or `teenygrad`.
  var source: String {
    guard let colon = op.firstIndex(of: ":") else { return "teenygrad" }
    return String(op[..<colon])
  }

  /// `op` without the source prefix.
  var operation: String {
    guard let colon = op.firstIndex(of: ":") else { return op }
    return String(op[op.index(after: colon)...])
  }

  /// Memory-bound ops (under one FLOP per byte) are judged by GB/s, the rest by GFLOP/s.
  var isMemoryBound: Bool { gbps > 0 && gflops < gbps }

  var summary: String {
    "\(op) \(shape) threads=\(threads) " + String(
      format: "median=%.4gs %.2f GFLOP/s %.2f GB/s speedup=%.2f efficiency=%.2f",
      medianSeconds, gflops, gbps, speedup, efficiency)
  }
}

extension BenchRow {
  /// A row from per-run durations, with speedup against `baselineMedian` (the median at 1 thread), or
  /// against itself when that is nil.
  init(workload: Workload, threads: Int, seconds: [Double], baselineMedian: Double?) {
    let sorted = seconds.sorted()
    let median = Self.median(seconds)
    let speedup = (baselineMedian ?? median) / median
    self.init(op: workload.op, shape: workload.shape, threads: threads, medianSeconds: median,
              minSeconds: sorted.first ?? median, maxSeconds: sorted.last ?? median,
              gflops: workload.flops / median * 1e-9, gbps: workload.bytes / median * 1e-9,
              speedup: speedup, efficiency: speedup / Double(threads))
  }

  /// The middle value of `values` (the mean of the two middle ones for an even count); 0 when empty.
  static func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  var csvFields: [String] {
    [op, shape, String(threads), String(format: "%.6g", medianSeconds), String(format: "%.6g", minSeconds),
     String(format: "%.6g", maxSeconds), String(format: "%.3f", gflops), String(format: "%.3f", gbps),
     String(format: "%.3f", speedup), String(format: "%.3f", efficiency)]
  }

  /// The rows as CSV with a header line.
  static func csv(_ rows: [BenchRow]) -> String {
    ([csvHeader] + rows.map { $0.csvFields.joined(separator: ",") }).map { $0 + "\n" }.joined()
  }

  /// The rows as an aligned text table.
  static func table(_ rows: [BenchRow]) -> String {
    let lines = [columns] + rows.map(\.csvFields)
    let widths = columns.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
    return lines.map { line in
      zip(line, widths).enumerated().map { index, pair in
        let padding = String(repeating: " ", count: pair.1 - pair.0.count)
        return index < 2 ? pair.0 + padding : padding + pair.0
      }.joined(separator: "  ") + "\n"
    }.joined()
  }

  /// Rows from CSV text with this type's header (columns may come in any order; blank lines are skipped).
  static func parseCSV(_ text: String) throws -> [BenchRow] {
    let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty }
    guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    else { return [] }
    let position = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    let missing = columns.filter { position[$0] == nil }
    guard missing.isEmpty else { throw CSVError("missing columns: \(missing.joined(separator: ", "))") }
    return try lines.dropFirst().enumerated().map { index, line in
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard fields.count == header.count else {
        throw CSVError("line \(index + 2) has \(fields.count) fields, the header \(header.count)")
      }
      func text(_ column: String) -> String { fields[position[column]!] }
      func number(_ column: String) throws -> Double {
        guard let value = Double(text(column)) else {
          throw CSVError("line \(index + 2): \(column) is not a number: '\(text(column))'")
        }
        return value
      }
      return BenchRow(op: text("op"), shape: text("shape"), threads: Int(try number("threads")),
                      medianSeconds: try number("median_s"), minSeconds: try number("min_s"),
                      maxSeconds: try number("max_s"), gflops: try number("gflops"), gbps: try number("gbps"),
                      speedup: try number("speedup"), efficiency: try number("efficiency"))
    }
  }
}

/// A CSV file that cannot be read as benchmark rows.
struct CSVError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
