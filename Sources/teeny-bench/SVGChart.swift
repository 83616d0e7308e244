import Foundation

/// How a line is drawn.
struct LineStyle {
  var color: String
  /// An SVG `stroke-dasharray`, nil for a solid line.
  var dash: String?
  var width = 2.0
}

/// One line of a chart, with an optional hover text per point.
struct ChartLine {
  var points: [(x: Double, y: Double)]
  var style: LineStyle
  var pointTitles: [String] = []
  var showsMarkers = true
}

/// A line chart with linear axes starting at the given x ticks and at 0 on y, drawn as SVG elements.
struct LineChart {
  var title: String
  var xLabel: String
  var yLabel: String
  /// Where the x axis has ticks; its range spans them.
  var xTicks: [Double]
  var lines: [ChartLine]
  /// The least top of the y axis (the axis grows to fit every point).
  var minimumYMax = 0.0

  /// The chart's SVG elements, inside the box at (`left`, `top`) of `width` x `height`.
  func svg(left: Double, top: Double, width: Double, height: Double) -> String {
    let plotLeft = left + 58, plotRight = left + width - 12
    let plotTop = top + 26, plotBottom = top + height - 40
    let xs = xTicks.isEmpty ? [1.0] : xTicks
    var xMin = xs.min()!, xMax = xs.max()!
    if xMin == xMax { xMin -= 0.5; xMax += 0.5 }
    let xPad = (xMax - xMin) * 0.04
    xMin -= xPad
    xMax += xPad
    let dataMax = lines.flatMap { $0.points.map(\.y) }.filter(\.isFinite).max() ?? 0
    let (yMax, yStep) = Self.niceAxis(max(dataMax, minimumYMax, 1e-9))
    func px(_ x: Double) -> Double { plotLeft + (x - xMin) / (xMax - xMin) * (plotRight - plotLeft) }
    func py(_ y: Double) -> Double { plotBottom - min(max(y, 0), yMax) / yMax * (plotBottom - plotTop) }

    var out = ""
    out += text(title, x: (plotLeft + plotRight) / 2, y: top + 16, anchor: "middle", size: 13, weight: "bold")
    var tick = 0.0
    while tick <= yMax * (1 + 1e-9) {
      let y = py(tick)
      out += "<line x1=\"\(f(plotLeft))\" y1=\"\(f(y))\" x2=\"\(f(plotRight))\" y2=\"\(f(y))\" stroke=\"#e4e4e4\"/>\n"
      out += text(Self.label(tick), x: plotLeft - 6, y: y + 4, anchor: "end", size: 11)
      tick += yStep
    }
    for x in xs {
      let at = px(x)
      out += "<line x1=\"\(f(at))\" y1=\"\(f(plotTop))\" x2=\"\(f(at))\" y2=\"\(f(plotBottom))\" stroke=\"#f0f0f0\"/>\n"
      out += text(Self.label(x), x: at, y: plotBottom + 15, anchor: "middle", size: 11)
    }
    out += "<rect x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" "
      + "height=\"\(f(plotBottom - plotTop))\" fill=\"none\" stroke=\"#888\"/>\n"
    out += text(xLabel, x: (plotLeft + plotRight) / 2, y: plotBottom + 32, anchor: "middle", size: 11)
    let yMid = (plotTop + plotBottom) / 2
    out += "<text x=\"\(f(left + 14))\" y=\"\(f(yMid))\" font-size=\"11\" text-anchor=\"middle\" "
      + "transform=\"rotate(-90 \(f(left + 14)) \(f(yMid)))\">\(escape(yLabel))</text>\n"

    for line in lines where !line.points.isEmpty {
      let style = line.style
      let dash = style.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
      let coordinates = line.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
      out += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(style.color)\" "
        + "stroke-width=\"\(f(style.width))\"\(dash)/>\n"
      guard line.showsMarkers else { continue }
      for (index, point) in line.points.enumerated() {
        let hover = index < line.pointTitles.count ? "<title>\(escape(line.pointTitles[index]))</title>" : ""
        out += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"3\" fill=\"\(style.color)\">"
          + "\(hover)</circle>\n"
      }
    }
    return out
  }

  /// The top of an axis that holds `value` and its tick step: 1, 2 or 5 times a power of ten, 4 to 8 ticks.
  static func niceAxis(_ value: Double) -> (max: Double, step: Double) {
    let rough = value / 5
    let magnitude = pow(10, (log10(rough)).rounded(.down))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    return ((value / step).rounded(.up) * step, step)
  }

  /// A tick label without trailing zeros.
  static func label(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
    return String(format: "%.3g", value)
  }
}

/// A number with two decimals for SVG coordinates.
func f(_ value: Double) -> String { String(format: "%.2f", value) }

/// Text escaped for SVG content and attribute values.
func escape(_ text: String) -> String {
  text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// An SVG text element.
func text(_ content: String, x: Double, y: Double, anchor: String = "start", size: Double = 12,
          weight: String = "normal", color: String = "#222") -> String {
  "<text x=\"\(f(x))\" y=\"\(f(y))\" font-size=\"\(f(size))\" text-anchor=\"\(anchor)\" "
    + "font-weight=\"\(weight)\" fill=\"\(color)\">\(escape(content))</text>\n"
}
