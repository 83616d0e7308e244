import Foundation
import Synchronization

/// One kernel run, as the profiler records it.
struct KernelRecord: Sendable {
  var run: Int
  var name: String
  var kind: KernelKind
  var shape: [Int]
  var tiles: Int
  var threads: Int
  var startNs: UInt64
  var durationNs: UInt64
  var flops: Int
  var bytes: Int
}

/// Records every kernel run when profiling is on (`TEENYGRAD_PROFILE`, `--profile`, or `DEBUG >= 2`) and
/// prints tinygrad's DEBUG lines. Off, it costs one atomic load per kernel.
enum Profiler {
  private struct State {
    var records: [KernelRecord] = []
    var run = 0
  }
  private static let state = Mutex(State())
  private static let recording: Atomic<Bool> = {
    KernelProfile.installExitWriter()
    return Atomic<Bool>(EnvironmentFlags.profilePath != nil)
  }()

  /// Starts (or stops) keeping records in memory.
  static func setRecording(_ on: Bool) { recording.store(on, ordering: .relaxed) }
  static var isRecording: Bool { recording.load(ordering: .relaxed) }

  /// Marks the start of a realization; records carry the run number.
  static func beginRun() { if isRecording { state.withLock { $0.run += 1 } } }

  static func record(_ kernel: Kernel, buffers: [ScheduledBuffer], tiles: Int, threads: Int, start: UInt64, end: UInt64) {
    let debug = EnvironmentFlags.debug
    guard debug >= 1 || isRecording else { return }
    let bytes = kernel.bytes(inputCounts: kernel.inputs.map { buffers[$0.buffer].count })
    let record = KernelRecord(run: 0, name: kernel.name, kind: kernel.kind, shape: kernel.shape, tiles: tiles,
                              threads: threads, startNs: start, durationNs: end - start, flops: kernel.flops, bytes: bytes)
    if debug >= 1 { printDebugLine(record, debug: debug) }
    if isRecording { state.withLock { s in var r = record; r.run = s.run; s.records.append(r) } }
  }

  private static func printDebugLine(_ r: KernelRecord, debug: Int) {
    var line = "*** \(r.kind.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(r.name)"
    if debug >= 2 {
      let us = Double(r.durationNs) / 1000
      let gflops = Double(r.flops) / Double(max(r.durationNs, 1))
      let gbps = Double(r.bytes) / Double(max(r.durationNs, 1))
      line += String(format: "  tm %9.2fus  %8.2f GFLOPS  %7.2f GB/s  tiles %d  threads %d", us, gflops, gbps, r.tiles, r.threads)
    }
    print(line)
  }

  /// The records so far, and clears them.
  static func drain() -> [KernelRecord] { state.withLock { s in defer { s.records = [] }; return s.records } }
  static var records: [KernelRecord] { state.withLock { $0.records } }
}
