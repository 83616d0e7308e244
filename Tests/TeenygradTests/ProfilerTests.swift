import Foundation
import Testing

@testable import Teenygrad

/// One parsed row of a profile CSV.
private struct ProfileRow {
  var run: Int
  var kernel: String
  var kind: String
  var shape: String
  var tiles: Int
  var threads: Int
  var startNs: Int
  var durationNs: Int
  var flops: Int
  var bytes: Int
  var gflops: Double
  var gbps: Double
}

/// Splits one CSV line into fields, honouring double-quoted fields.
private func csvFields(_ line: Substring) -> [String] {
  var fields: [String] = []
  var field = ""
  var quoted = false
  var chars = line.makeIterator()
  while let c = chars.next() {
    if quoted {
      if c == "\"" { quoted = false } else { field.append(c) }
    } else if c == "\"" {
      quoted = true
    } else if c == "," {
      fields.append(field)
      field = ""
    } else {
      field.append(c)
    }
  }
  fields.append(field)
  return fields
}

private func temporaryPath(_ suffix: String) -> String {
  FileManager.default.temporaryDirectory.appendingPathComponent("teenygrad-\(UUID().uuidString)\(suffix)").path
}

@Suite("Profiler: CSV, summary, trace", .serialized)
struct ProfilerTests {
  /// Runs a matmul, an elementwise chain and a sum over shapes no other test uses, under a profile, and
  /// returns the CSV rows, the summary, and `Runtime.threads` before and after.
  private func profiledRun() throws -> (rows: [ProfileRow], header: String, summary: String, threads: (Int, Int)) {
    let path = temporaryPath(".csv")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let before = Runtime.threads
    let a = Tensor((0..<(64 * 64)).map { Float($0 % 7) }, shape: [64, 64])
    let b = Tensor((0..<(64 * 64)).map { Float($0 % 5) }, shape: [64, 64])
    let x = Tensor((0..<(3 * 37 * 41)).map { Float($0 % 11) }, shape: [3, 37, 41])
    a.realize(); b.realize(); x.realize()
    KernelProfile.start()
    a.matmul(b).realize()
    let y = (x * x + 1).realize()
    y.sum().realize()
    let summary = try KernelProfile.finish(writingTo: path, printSummary: false)
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let lines = text.split(separator: "\n")
    let rows = try lines.dropFirst().map { line in
      let f = csvFields(line)
      try #require(f.count == 12, "row \(line) has \(f.count) fields")
      return ProfileRow(run: try #require(Int(f[0])), kernel: f[1], kind: f[2], shape: f[3], tiles: try #require(Int(f[4])),
                        threads: try #require(Int(f[5])), startNs: try #require(Int(f[6])), durationNs: try #require(Int(f[7])),
                        flops: try #require(Int(f[8])), bytes: try #require(Int(f[9])), gflops: try #require(Double(f[10])),
                        gbps: try #require(Double(f[11])))
    }
    return (rows, String(lines.first ?? ""), summary, (before, Runtime.threads))
  }

  @Test func csvHasEveryColumnRight() throws {
    let (rows, header, _, threads) = try profiledRun()
    #expect(header == "run,kernel,kind,shape,tiles,threads,start_ns,duration_ns,flops,bytes,gflops,gbps")
    #expect(header == KernelProfile.header)
    try #require(!rows.isEmpty)

    // Every row, whichever test's realization it came from.
    let runs = rows.map(\.run)
    #expect(runs.min() == 0)
    var seen: [Int] = []
    for run in runs where !seen.contains(run) { seen.append(run) }
    #expect(seen == Array(0..<seen.count), "runs count realizations from 0 in order")
    let kinds: Set<String> = ["elementwise", "reduce", "gemm", "copy", "other"]
    for r in rows {
      #expect(kinds.contains(r.kind), "kind \(r.kind)")
      #expect(r.shape.split(separator: "x").allSatisfy { Int($0).map { $0 >= 1 } ?? false }, "shape \(r.shape)")
      #expect(r.tiles >= 1)
      #expect(r.threads >= 1)
      #expect(r.startNs >= 0)
      #expect(r.durationNs > 0)
      #expect(r.flops >= 0 && r.bytes > 0)
      #expect(abs(r.gflops - Double(r.flops) / Double(r.durationNs)) <= 0.0005 + 1e-6 * r.gflops)
      #expect(abs(r.gbps - Double(r.bytes) / Double(r.durationNs)) <= 0.0005 + 1e-6 * r.gbps)
    }
    for run in Set(runs) {
      let starts = rows.filter { $0.run == run }.map(\.startNs)
      #expect(starts == starts.sorted(), "start_ns goes forward within run \(run)")
    }

    // This test's own kernels, known from their description.
    let gemm = try #require(rows.first { $0.kernel == "f32_gemm_6x16_avx2 64x64x64" })
    #expect(gemm.kind == "gemm")
    #expect(gemm.flops == 2 * 64 * 64 * 64)
    #expect(gemm.bytes == 3 * 64 * 64 * 4)
    let n = 3 * 37 * 41
    let square = try #require(rows.first { $0.kind == "elementwise" && $0.shape == "3x37x41" })
    #expect(square.kernel == "E_add_mul 3x37x41")
    #expect(square.flops == 2 * n)
    #expect(square.bytes == 2 * n * 4)
    let sum = try #require(rows.first { $0.kernel == "R_sum 3x37x41 -> 1x1x1" })
    #expect(sum.kind == "reduce")
    #expect(sum.flops == n - 1)
    #expect(sum.bytes == n * 4 + 4)
    let own = [gemm, square, sum]
    #expect(Set(own.map(\.run)).count == 3, "each realization is its own run")
    if threads.0 == threads.1 {
      #expect(own.allSatisfy { $0.threads == threads.0 })
    }
  }

  @Test func summaryGroupsKernelsByName() throws {
    let (_, _, summary, _) = try profiledRun()
    #expect(summary.contains("f32_gemm_6x16_avx2 64x64x64"))
    #expect(summary.contains("E_add_mul 3x37x41"))
    #expect(summary.contains("GFLOP/s"))
    #expect(summary.contains("by kind"))
    #expect(summary.contains("machine: \(Runtime.topology.physicalCores) cores"))
  }

  @Test func traceHasOneEventPerTile() throws {
    let path = temporaryPath(".json")
    defer { try? FileManager.default.removeItem(atPath: path) }
    let x = Tensor((0..<(5 * 211 * 997)).map { Float($0 % 13) }, shape: [5, 211, 997])
    let a = Tensor((0..<(193 * 257)).map { Float($0 % 7) }, shape: [193, 257])
    let b = Tensor((0..<(257 * 161)).map { Float($0 % 3) }, shape: [257, 161])
    x.realize(); a.realize(); b.realize()
    KernelTrace.start()
    (x * 3 + 1).realize()
    a.matmul(b).realize()
    try KernelTrace.finish(writingTo: path)

    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
    let root = try #require(json as? [String: Any])
    let events = try #require(root["traceEvents"] as? [[String: Any]])
    let named = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
    let tracks = Set(named.compactMap { $0["tid"] as? Int })
    let spans = events.filter { $0["ph"] as? String == "X" }
    #expect(spans.count + events.filter { $0["ph"] as? String == "M" }.count == events.count)
    for span in spans {
      #expect(span["ts"] is Double || span["ts"] is Int)
      #expect(((span["dur"] as? Double) ?? -1) >= 0)
      #expect(tracks.contains(span["tid"] as? Int ?? -1), "every track is named")
    }
    let tiles = spans.filter { $0["cat"] as? String == "tile" }
    for name in ["E_add_mul 5x211x997", "f32_gemm_6x16_avx2 193x257x161"] {
      let kernel = try #require(spans.first { $0["name"] as? String == name && $0["cat"] as? String != "tile" })
      let args = try #require(kernel["args"] as? [String: Any])
      let count = try #require(args["tiles"] as? Int)
      let start = try #require(kernel["ts"] as? Double)
      let end = start + (kernel["dur"] as? Double ?? 0)
      let mine = tiles.filter {
        $0["name"] as? String == name && ($0["ts"] as? Double ?? -1) >= start && ($0["ts"] as? Double ?? .infinity) <= end
      }.compactMap { $0["args"] as? [String: Any] }
      // The kernel's tiles are its last parallel pass (a GEMM may pack B in a pass before them).
      let lastPass = mine.compactMap { $0["pass"] as? Int }.max() ?? -1
      let indices = mine.filter { $0["pass"] as? Int == lastPass }.compactMap { $0["tile"] as? Int }
      #expect(indices.sorted() == Array(0..<count), "\(name): one event per tile")
      #expect(count > 1, "\(name) runs in several tiles")
    }
  }

  @Test func fusedExpressionsReadInfix() {
    let expr = KernelExpr.binary(.max, .binary(.add, .load(0), .load(1)), .const(0))
    #expect(expr.formula == "max((in0 + in1), 0)")
    #expect(KernelExpr.ternary(.where, .load(0), .unary(.neg, .load(1)), .const(1.5)).formula == "where(in0, neg(in1), 1.5)")
  }
}
