import Foundation

/// The end-of-run table: kernels grouped by name with their total time, share of the kernel time, calls,
/// GFLOP/s, GB/s, and where they sit against the machine's roofline (share of peak FLOP/s, of memory
/// bandwidth, and of the lower of the two roofs at the kernel's arithmetic intensity); then totals per kind.
struct ProfileSummary {
  struct Group {
    var name: String
    var kind: KernelKind
    var calls = 0
    var ns: UInt64 = 0
    var flops = 0
    var bytes = 0
  }

  let data: ProfileData
  let peak: MachinePeak
  /// Kernel names shown one per row; the rest share one row.
  var rowLimit = 30

  /// Kernels grouped by `key`, largest total time first.
  static func groups(_ records: [KernelRecord], by key: (KernelRecord) -> String) -> [Group] {
    var groups: [String: Group] = [:]
    for r in records {
      groups[key(r), default: Group(name: key(r), kind: r.kind)].add(r)
    }
    return groups.values.sorted { ($0.ns, $1.name) > ($1.ns, $0.name) }
  }

  var text: String {
    let records = data.records
    let kernelNs = records.reduce(UInt64(0)) { $0 + $1.durationNs }
    var lines: [String] = []
    var head = "profile: \(records.count) kernel runs, \(Set(records.map(\.run)).count) realizations; "
      + String(format: "kernel time %.1f ms", Double(kernelNs) / 1e6)
    if data.realizeNs > 0 {
      head += String(format: " of %.1f ms realizing (%.1f%%)", Double(data.realizeNs) / 1e6,
                     100 * Double(kernelNs) / Double(data.realizeNs))
    }
    lines.append(head)
    lines.append(String(format: "machine: %d cores x %.1f GFLOP/s = %.1f GFLOP/s peak; memory %.1f GB/s (a sum over 64 MiB)",
                        peak.cores, peak.flopsPerCore / 1e9, peak.flops / 1e9, peak.bandwidth / 1e9))
    guard !records.isEmpty else { return lines.joined(separator: "\n") }

    var byName = Self.groups(records) { $0.name }
    if byName.count > rowLimit {
      var rest = Group(name: "(\(byName.count - rowLimit + 1) other kernels)", kind: .other)
      for g in byName[(rowLimit - 1)...] { rest.merge(g) }
      byName = Array(byName[..<(rowLimit - 1)]) + [rest]
    }
    let width = Swift.min(56, Swift.max(24, byName.map(\.name.count).max() ?? 0))
    let header = "kernel".padding(toLength: width, withPad: " ", startingAt: 0)
      + "   calls   total ms   share    avg us  GFLOP/s     GB/s  %peak   %mem  FLOP/B   roof  bound"
    lines.append("")
    lines.append(header)
    lines.append(String(repeating: "-", count: header.count))
    for g in byName { lines.append(row(g, width: width, kernelNs: kernelNs)) }
    lines.append("")
    lines.append("by kind")
    for g in Self.groups(records, by: { $0.kind.rawValue }) {
      lines.append(row(g, width: width, kernelNs: kernelNs))
    }
    return lines.joined(separator: "\n")
  }

  private func row(_ g: Group, width: Int, kernelNs: UInt64) -> String {
    let seconds = Double(g.ns) / 1e9
    let flopRate = Double(g.flops) / seconds
    let byteRate = Double(g.bytes) / seconds
    let ofPeak = peak.flops > 0 ? flopRate / peak.flops : 0
    let ofMemory = peak.bandwidth > 0 ? byteRate / peak.bandwidth : 0
    let intensity = g.bytes > 0 ? Double(g.flops) / Double(g.bytes) : 0
    // Below the ridge point the memory roof binds; the share of the binding roof is the larger share.
    let memoryBound = intensity * peak.bandwidth < peak.flops
    let name = g.name.count > width ? String(g.name.prefix(width - 2)) + ".." : g.name
    return name.padding(toLength: width, withPad: " ", startingAt: 0)
      + String(format: " %7d %10.2f %6.1f%% %9.1f %8.2f %8.2f %5.1f%% %5.1f%% %7.2f %5.1f%%  ",
                g.calls, Double(g.ns) / 1e6, 100 * Double(g.ns) / Double(Swift.max(kernelNs, 1)),
                Double(g.ns) / 1e3 / Double(g.calls), flopRate / 1e9, byteRate / 1e9, 100 * ofPeak,
                100 * ofMemory, intensity, 100 * Swift.max(ofPeak, ofMemory))
      + (memoryBound ? "memory" : "compute")
  }
}

extension ProfileSummary.Group {
  mutating func add(_ r: KernelRecord) {
    calls += 1
    ns += r.durationNs
    flops += r.flops
    bytes += r.bytes
  }

  mutating func merge(_ g: Self) {
    calls += g.calls
    ns += g.ns
    flops += g.flops
    bytes += g.bytes
  }
}
