import Synchronization

/// The spans a trace collects while ``KernelTrace`` is on: realizations and kernels on the thread that ran
/// them, and every tile on the worker thread that ran it.
enum TraceLog {
  struct KernelSpan: Sendable {
    var record: KernelRecord
    var callerThread: Int32
  }

  struct TileSpan: Sendable {
    var index: Int
    var worker: Int
    var thread: Int32
    var start: UInt64
    var end: UInt64
  }

  /// The tiles of one parallel loop; the loop belongs to the kernel its caller was running at `start`.
  struct TileBatch: Sendable {
    var callerThread: Int32
    var start: UInt64
    var tiles: [TileSpan]
  }

  struct RealizationSpan: Sendable {
    var run: Int
    var callerThread: Int32
    var start: UInt64
    var end: UInt64
  }

  struct Contents: Sendable {
    var kernels: [KernelSpan] = []
    var batches: [TileBatch] = []
    var realizations: [RealizationSpan] = []
  }

  private static let contents = Locked(Contents())

  static func addKernel(_ record: KernelRecord, callerThread: Int32) {
    contents.withLock { $0.kernels.append(KernelSpan(record: record, callerThread: callerThread)) }
  }

  static func addRealization(run: Int, start: UInt64, end: UInt64) {
    let span = RealizationSpan(run: run, callerThread: Topology.currentThreadID(), start: start, end: end)
    contents.withLock { $0.realizations.append(span) }
  }

  /// Runs `loop` with a body that times every index of `0..<count`, then keeps the tile spans.
  /// `threadOfWorker` maps a worker number to its OS thread id once the loop is done.
  static func timingTiles(
    _ count: Int, _ body: (_ index: Int, _ worker: Int) -> Void, threadOfWorker: (Int) -> Int32,
    loop: ((_ index: Int, _ worker: Int) -> Void) -> Void
  ) {
    // One slot per index: every index runs exactly once, so no two threads write the same slot.
    let times = UnsafeMutableBufferPointer<(worker: Int, start: UInt64, end: UInt64)>.allocate(capacity: count)
    defer { times.deallocate() }
    let start = Profiler.now()
    withoutActuallyEscaping(body) { body in
      loop { index, worker in
        let begin = Profiler.now()
        body(index, worker)
        times[index] = (worker, begin, Profiler.now())
      }
    }
    let caller = Topology.currentThreadID()
    var threads: [Int: Int32] = [0: caller]
    let tiles = times.indices.map { i in
      let t = times[i]
      if threads[t.worker] == nil { threads[t.worker] = threadOfWorker(t.worker) }
      return TileSpan(index: i, worker: t.worker, thread: threads[t.worker]!, start: t.start, end: t.end)
    }
    contents.withLock { $0.batches.append(TileBatch(callerThread: caller, start: start, tiles: tiles)) }
  }

  /// Everything collected so far; clears it.
  static func drain() -> Contents { contents.withLock { c in defer { c = Contents() }; return c } }
}
