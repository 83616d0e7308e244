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

/// What one profile collected.
struct ProfileData: Sendable {
  var records: [KernelRecord]
  /// Realizations that ended while recording, and their summed wall time (scheduling excluded).
  var realizations: Int
  var realizeNs: UInt64
}

/// Records every kernel run while a profile is recording (`TEENYGRAD_PROFILE`, ``KernelProfile/start()``,
/// or `DEBUG >= 2` for the summary at exit), hands kernel spans to the trace while ``KernelTrace`` is on,
/// and prints tinygrad's DEBUG lines. Off, it costs one relaxed atomic load per kernel and per realization.
enum Profiler {
  /// What is being collected: bit 0 profile records, bit 1 the trace.
  private static let recordsBit = 1
  private static let traceBit = 2

  private struct State {
    var records: [KernelRecord] = []
    /// Recording was asked for (environment or ``KernelProfile/start()``), apart from `DEBUG >= 2`.
    var profileRequested = EnvironmentFlags.profilePath != nil
    var tracing = false
    /// Incremented by every ``KernelProfile/start()`` so that a realization begun before it gets a new run.
    var session = 0
    var nextRun = 0
    var realizations = 0
    var realizeNs: UInt64 = 0

    /// The run number a thread's tag stands for in this session; nil for a tag from an earlier one.
    func run(forTag tag: Int) -> Int? {
      tag >> 32 == session && tag & 0xFFFF_FFFF != 0 ? (tag & 0xFFFF_FFFF) - 1 : nil
    }
  }
  private static let state = Locked(State())
  private static let mode: Atomic<Int> = {
    KernelProfile.installExitWriter()
    return Atomic<Int>(EnvironmentFlags.profilePath != nil || EnvironmentFlags.debug >= 2 ? recordsBit : 0)
  }()
  /// The calling thread's realization: `session << 32 | (run + 1)`, or 0.
  private static let currentRun = ThreadLocalWord()
  /// When the calling thread's realization started, in uptime nanoseconds.
  private static let currentRunStart = ThreadLocalWord()

  /// The clock every profile and trace timestamp comes from.
  @inline(__always)
  static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

  /// Whether kernel and tile spans are being recorded for a trace.
  @inline(__always)
  static var isTracing: Bool { mode.load(ordering: .relaxed) & traceBit != 0 }

  /// Starts (or stops) keeping profile records; starting discards earlier records and counts runs from 0.
  static func setRecording(_ on: Bool) {
    state.withLock { s in
      s.profileRequested = on
      if on {
        s.records = []
        s.session += 1
        s.nextRun = 0
        s.realizations = 0
        s.realizeNs = 0
      }
      updateMode(s)
    }
  }

  /// Starts (or stops) handing spans to ``TraceLog``.
  static func setTracing(_ on: Bool) {
    state.withLock { s in
      s.tracing = on
      updateMode(s)
    }
  }

  private static func updateMode(_ s: State) {
    let records = s.profileRequested || EnvironmentFlags.debug >= 2
    mode.store((records ? recordsBit : 0) | (s.tracing ? traceBit : 0), ordering: .relaxed)
  }

  /// Marks the start of a realization on the calling thread; its kernel records carry its run number.
  static func beginRun() {
    guard mode.load(ordering: .relaxed) != 0 else { return }
    currentRunStart.value = Int(now())
    currentRun.value = state.withLock { s in
      defer { s.nextRun += 1 }
      return s.session << 32 | (s.nextRun + 1)
    }
  }

  /// Marks the end of the calling thread's realization: adds its wall time to the profile's total and its
  /// span to the trace.
  static func endRun() {
    let mode = mode.load(ordering: .relaxed)
    guard mode != 0 else { return }
    let tag = currentRun.value
    guard tag != 0 else { return }
    currentRun.value = 0
    let start = UInt64(currentRunStart.value)
    let end = now()
    let run: Int? = state.withLock { s in
      guard let run = s.run(forTag: tag) else { return nil }
      if mode & recordsBit != 0 {
        s.realizations += 1
        s.realizeNs += end - start
      }
      return run
    }
    if mode & traceBit != 0, let run { TraceLog.addRealization(run: run, start: start, end: end) }
  }

  /// Whether kernel runs are recorded, traced or logged (``record(_:buffers:tiles:threads:start:end:)`` does
  /// nothing otherwise); the executor asks before handing it a kernel.
  static var isRecording: Bool { mode.load(ordering: .relaxed) != 0 || EnvironmentFlags.debug >= 1 }

  static func record(_ kernel: Kernel, buffers: [ScheduledBuffer], tiles: Int, threads: Int, start: UInt64, end: UInt64) {
    let mode = mode.load(ordering: .relaxed)
    let debug = EnvironmentFlags.debug
    guard debug >= 1 || mode != 0 else { return }
    let bytes = kernel.bytes(inputCounts: kernel.inputs.map { buffers[$0.buffer].count },
                             outputBufferCount: buffers[kernel.output].count)
    var record = KernelRecord(run: 0, name: kernel.name, kind: kernel.kind, shape: kernel.shape, tiles: tiles,
                              threads: threads, startNs: start, durationNs: Swift.max(end - start, 1),
                              flops: kernel.flops, bytes: bytes)
    if debug >= 1 { DebugLog.kernelLine(record, iterations: kernel.iterationCount, debug: debug) }
    if mode & traceBit != 0 { TraceLog.addKernel(record, callerThread: Topology.currentThreadID()) }
    guard mode & recordsBit != 0 else { return }
    let tag = currentRun.value
    state.withLock { s in
      if let run = s.run(forTag: tag) {
        record.run = run
      } else {
        // A kernel outside any realization this session knows of: it gets a run of its own.
        record.run = s.nextRun
        s.nextRun += 1
      }
      s.records.append(record)
    }
  }

  /// The records so far, with the number and wall time of the realizations they came from; clears them.
  static func drain() -> ProfileData {
    state.withLock { s in
      defer {
        s.records = []
        s.realizeNs = 0
        s.realizations = 0
      }
      return ProfileData(records: s.records, realizations: s.realizations, realizeNs: s.realizeNs)
    }
  }
}
