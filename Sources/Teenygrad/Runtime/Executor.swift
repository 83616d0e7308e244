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
      let window = WindowEvaluator(kernel: kernel.pointee, layout: layout, buffers: buffers)
      return KernelWorkspace.withWorkspace { workspace in
        runTiles(Tiler.tiles(units: window.unitCount, unitCost: window.unitCost), scratchFloats: window.scratchFloats,
                 workspace: workspace, pool: pool) { window.run(units: $0, scratch: $1) }
      }
    case .gather(let layout)?:
      let gather = GatherEvaluator(layout, kernel: kernel.pointee, buffers: buffers)
      return KernelWorkspace.withWorkspace { workspace in
        runTiles(Tiler.tiles(units: gather.unitCount, unitCost: gather.unitCost), scratchFloats: gather.scratchFloats,
                 workspace: workspace, pool: pool) { gather.run(units: $0, scratch: $1) }
      }
    case .rows(let layout)?:
      let evaluator = ElementwiseEvaluator(layout, kernel: kernel.pointee, buffers: buffers)
      return KernelWorkspace.withWorkspace { workspace in
        runTiles(Tiler.tiles(units: evaluator.unitCount, unitCost: evaluator.unitCost),
                 scratchFloats: Swift.max(1, evaluator.scratchFloats), workspace: workspace, pool: pool) {
          evaluator.run(units: $0, scratch: $1)
        }
      }
    }
  }

  /// Runs `body` on each tile, in place when there is one, with `scratchFloats` of the running worker's
  /// scratch; returns the number of tiles.
  private static func runTiles(_ tiles: [Range<Int>], scratchFloats: Int, workspace: KernelWorkspace, pool: ThreadPool,
                               _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> Int {
    if tiles.count == 1 {
      body(tiles[0], workspace.floats(worker: 0, count: scratchFloats))
    } else {
      pool.parallelFor(tiles.count) { t, worker in body(tiles[t], workspace.floats(worker: worker, count: scratchFloats)) }
    }
    return tiles.count
  }
}
