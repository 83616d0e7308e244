import ArgumentParser
import Foundation
import Teenygrad

/// `teeny-bench scaling`: the standard ops at every thread count, optionally plotted with anchor rows.
struct ScalingCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "scaling",
    abstract: "Time GEMM, conv2d, reduce, fused elementwise and a convnet training step at several thread counts."
  )

  @Option(help: ArgumentHelp("Comma-separated op groups: \(OpGroup.allCases.map(\.rawValue).joined(separator: ",")).",
                             valueName: "gemm,conv,..."))
  var ops: String = OpGroup.allCases.map(\.rawValue).joined(separator: ",")

  @OptionGroup var options: BenchOptions

  @Option(help: ArgumentHelp("Draw speedup and throughput against threads into this SVG file.",
                             valueName: "out.svg"))
  var plot: String?

  @Option(help: ArgumentHelp(
    "A CSV of the same columns (numpy or PyTorch rows) to draw beside the results; repeatable.",
    valueName: "file.csv"))
  var anchor: [String] = []

  func validate() throws {
    _ = try groups()
    if !anchor.isEmpty, plot == nil { throw ValidationError("--anchor needs --plot out.svg") }
  }

  func run() throws {
    let anchorRows = try anchor.flatMap { path in
      do { return try BenchRow.parseCSV(String(contentsOfFile: path, encoding: .utf8)) } catch {
        throw CSVError("cannot read anchor \(path): \(error)")
      }
    }
    let workloads = try groups().flatMap(\.workloads)
    let rows = ScalingRunner(threadCounts: try options.threadCounts(), repetitions: options.repetitions)
      .run(workloads)
    try options.report(rows)
    if let plot {
      try ScalingPlot(rows: rows + anchorRows).svg().write(toFile: plot, atomically: true, encoding: .utf8)
      Log.note("wrote \(plot)")
    }
  }

  private func groups() throws -> [OpGroup] {
    try ops.split(separator: ",").map { name in
      let name = name.trimmingCharacters(in: .whitespaces)
      guard let group = OpGroup(rawValue: name) else {
        let known = OpGroup.allCases.map(\.rawValue).joined(separator: ", ")
        throw ValidationError("unknown op '\(name)'; known: \(known)")
      }
      return group
    }
  }
}
