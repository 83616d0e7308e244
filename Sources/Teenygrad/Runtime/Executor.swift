import Foundation

/// Runs a ``Schedule``: allocates the buffers its kernels write, runs each kernel's tiles on the shared
/// ``ThreadPool``, and hands the results to their lazy owners.
enum Executor {
  static func run(_ schedule: Schedule) {
    let buffers = schedule.buffers.map { $0.existing ?? Buffer(dtype: $0.dtype, count: $0.count) }
    let pool = Runtime.pool
    // The clock is read only for the profiler (about 26 ns a read here, two per kernel).
    let recording = Profiler.isRecording
    // Each kernel is read where it lies: a copy would retain and release every array it holds.
    schedule.kernels.withUnsafeBufferPointer { kernels in
      for i in kernels.indices {
        let kernel = kernels.baseAddress! + i
        guard kernel.pointee.outputCount > 0 else { continue }
        let start = recording ? DispatchTime.now().uptimeNanoseconds : 0
        let tiles = execute(kernel, buffers: buffers, pool: pool)
        if recording {
          Profiler.record(kernel.pointee, buffers: schedule.buffers, tiles: tiles, threads: pool.threadCount,
                          start: start, end: DispatchTime.now().uptimeNanoseconds)
        }
      }
    }
    for (i, b) in schedule.buffers.enumerated() { b.owner?.setRealized(buffers[i]) }
    Profiler.endRun()
  }

  /// Runs one kernel, read where it lies; returns the number of tiles it was cut into.
  @discardableResult
  static func execute(_ kernel: UnsafePointer<Kernel>, buffers: [Buffer], pool: ThreadPool) -> Int {
    switch kernel.pointee.route {
    case nil:
      preconditionFailure("\(kernel.pointee.name) has no route: it was not scheduled")
    case .gemm?:
      return GEMMKernel.run(kernel, buffers: buffers, pool: pool)
    case .window(let layout)?:
      return runTiled(WindowEvaluator(kernel: kernel.pointee, layout: layout, buffers: buffers), pool: pool)
    case .gather(let layout)?:
      return runTiled(GatherEvaluator(layout, kernel: kernel.pointee, buffers: buffers), pool: pool)
    case .rows(let layout)?:
      return runTiled(ElementwiseEvaluator(layout, kernel: kernel.pointee, buffers: buffers), pool: pool)
    }
  }

  /// Runs `evaluator` on tiles of its units, in place when there is one tile, each tile with the running
  /// worker's scratch; returns the number of tiles. Inlined: passing an evaluator to a call copies it, with a
  /// retain of every table it holds (0.1 us of a 4.7 us elementwise call over 16x8x3x3).
  @inline(__always)
  private static func runTiled<E: TiledEvaluator>(_ evaluator: E, pool: ThreadPool) -> Int {
    let tiles = Tiler.tiles(units: evaluator.unitCount, unitCost: evaluator.unitCost)
    let scratchFloats = Swift.max(1, evaluator.scratchFloats)
    KernelWorkspace.withWorkspace { workspace in
      if tiles.count == 1 {
        evaluator.run(units: tiles[0], scratch: workspace.floats(worker: 0, count: scratchFloats))
      } else {
        pool.parallelFor(tiles.count) { t, worker in
          evaluator.run(units: tiles[t], scratch: workspace.floats(worker: worker, count: scratchFloats))
        }
      }
    }
    return tiles.count
  }
}

/// An evaluator bound to a kernel's memory that runs any range of its units: the window, gather and row
/// evaluators.
protocol TiledEvaluator {
  /// Units of work, each run by one tile alone.
  var unitCount: Int { get }
  /// The cost of one unit, in the Tiler's units.
  var unitCost: Int { get }
  /// Floats of scratch one tile needs.
  var scratchFloats: Int { get }
  /// Runs `units` with `scratch`.
  func run(units: Range<Int>, scratch: UnsafeMutablePointer<Float>)
}

extension WindowEvaluator: TiledEvaluator {}
extension GatherEvaluator: TiledEvaluator {}
extension ElementwiseEvaluator: TiledEvaluator {}
