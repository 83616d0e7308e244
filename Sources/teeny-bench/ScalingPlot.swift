import Foundation
import Teenygrad

/// The scaling plot: per op and shape, speedup against threads with the ideal line, and throughput
/// against threads (GFLOP/s, or GB/s for memory-bound ops), one line per source (teenygrad, numpy, torch).
struct ScalingPlot {
  var rows: [BenchRow]
  var title = "Scaling: speedup and throughput against threads"
  var subtitle = "\(Runtime.topology)"

  private static let panelWidth = 380.0, panelHeight = 230.0, rowHeader = 24.0, headerHeight = 84.0
  private static let idealStyle = LineStyle(color: "#999", dash: "4 3", width: 1.2)

  /// The whole plot as an SVG document.
  func svg() -> String {
    let series = ordered(rows.map(\.seriesKey))
    let sources = ordered(rows.map(\.source))
    let threadTicks = Array(Set(rows.map { Double($0.threads) })).sorted()
    let width = 2 * Self.panelWidth + 20
    let rowHeight = Self.rowHeader + Self.panelHeight
    let height = Self.headerHeight + Double(series.count) * rowHeight + 10
    var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
      + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
    out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    out += text(title, x: 14, y: 24, size: 17, weight: "bold")
    out += text(subtitle, x: 14, y: 44, size: 11, color: "#555")
    out += legend(sources, top: 62)
    for (index, key) in series.enumerated() {
      let top = Self.headerHeight + Double(index) * rowHeight
      out += "<line x1=\"10\" y1=\"\(f(top))\" x2=\"\(f(width - 10))\" y2=\"\(f(top))\" stroke=\"#ccc\"/>\n"
      out += text(key, x: width / 2, y: top + 18, anchor: "middle", size: 14, weight: "bold")
      out += charts(rows.filter { $0.seriesKey == key }, sources: sources, threadTicks: threadTicks,
                    top: top + Self.rowHeader)
    }
    return out + "</svg>\n"
  }

  /// The speedup and throughput charts of one series, side by side.
  private func charts(_ seriesRows: [BenchRow], sources: [String], threadTicks: [Double], top: Double) -> String {
    let memoryBound = (seriesRows.first { $0.source == "teenygrad" } ?? seriesRows[0]).isMemoryBound
    let fewest = threadTicks.first ?? 1, most = threadTicks.last ?? 1
    let ideal = ChartLine(points: [(fewest, fewest), (most, most)], style: Self.idealStyle, showsMarkers: false)
    let speedups = lines(seriesRows, sources) { ($0.speedup, String(format: "%.2fx", $0.speedup)) }
    let speedup = LineChart(title: "speedup", xLabel: "threads", yLabel: "speedup vs 1 thread",
                            xTicks: threadTicks, lines: [ideal] + speedups, minimumYMax: most)
    let unit = memoryBound ? "GB/s" : "GFLOP/s"
    let throughputs = lines(seriesRows, sources) { row in
      let value = memoryBound ? row.gbps : row.gflops
      return (value, String(format: "%.2f ", value) + unit)
    }
    let throughput = LineChart(title: unit, xLabel: "threads", yLabel: unit, xTicks: threadTicks,
                               lines: throughputs)
    return speedup.svg(left: 10, top: top, width: Self.panelWidth, height: Self.panelHeight)
      + throughput.svg(left: 10 + Self.panelWidth, top: top, width: Self.panelWidth, height: Self.panelHeight)
  }

  /// One line per source that has rows in the series, points in thread order; the first source's line
  /// comes last, so it is drawn on top.
  private func lines(_ seriesRows: [BenchRow], _ sources: [String],
                     value: (BenchRow) -> (Double, String)) -> [ChartLine] {
    sources.enumerated().compactMap { index, source in
      let points = seriesRows.filter { $0.source == source }.sorted { $0.threads < $1.threads }
      guard !points.isEmpty else { return nil }
      let values = points.map(value)
      let titles = zip(points, values).map { "\(source) \($0.seriesKey), \($0.threads) threads: \($1.1)" }
      return ChartLine(points: zip(points, values).map { (Double($0.threads), $1.0) },
                       style: Self.style(source, index: index), pointTitles: titles)
    }.reversed()
  }

  private func legend(_ sources: [String], top: Double) -> String {
    var out = ""
    var x = 14.0
    let entries = sources.enumerated().map { ($1, Self.style($1, index: $0)) }
      + [("ideal (speedup = threads)", Self.idealStyle)]
    for (name, style) in entries {
      let dash = style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
      out += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x + 34))\" y2=\"\(f(top))\" stroke=\"\(style.color)\" "
        + "stroke-width=\"\(f(style.width))\"\(dash)/>\n"
      out += text(name, x: x + 40, y: top + 4, size: 12)
      x += 60 + Double(name.count) * 7
    }
    return out
  }

  /// teenygrad solid blue, numpy dashed orange, torch dotted green; other sources get further colours.
  private static func style(_ source: String, index: Int) -> LineStyle {
    switch source {
    case "teenygrad": return LineStyle(color: "#1f77b4")
    case "numpy": return LineStyle(color: "#ff7f0e", dash: "7 4")
    case "torch": return LineStyle(color: "#2ca02c", dash: "2 3")
    default:
      let colors = ["#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
      return LineStyle(color: colors[index % colors.count], dash: "8 3 2 3")
    }
  }
}

/// The distinct values in order of first appearance.
private func ordered(_ values: [String]) -> [String] {
  var seen: Set<String> = []
  return values.filter { seen.insert($0).inserted }
}
