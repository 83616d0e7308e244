import Foundation

/// Runs a ``Schedule``: allocates the buffers its kernels write, runs each kernel's tiles on the shared
/// ``ThreadPool``, and hands the results to their lazy owners.
enum Executor {
  static func run(_ schedule: Schedule) {
    let buffers = schedule.buffers.map { $0.existing ?? Buffer(dtype: $0.dtype, count: $0.count) }
    let pool = Runtime.pool
    for kernel in schedule.kernels where kernel.outputCount > 0 {
      let start = DispatchTime.now().uptimeNanoseconds
      let tiles = execute(kernel, buffers: buffers, pool: pool)
      let end = DispatchTime.now().uptimeNanoseconds
      Profiler.record(kernel, buffers: schedule.buffers, tiles: tiles, threads: pool.threadCount, start: start, end: end)
    }
    for (i, b) in schedule.buffers.enumerated() { b.owner?.setRealized(buffers[i]) }
    Profiler.endRun()
  }

  /// Runs one kernel; returns the number of tiles it was cut into.
  @discardableResult
  static func execute(_ kernel: Kernel, buffers: [Buffer], pool: ThreadPool) -> Int {
    if let spec = kernel.gemm { return GEMMKernel.run(kernel, spec, buffers: buffers, pool: pool) }
    let plan = IterationPlan(kernel)
    return KernelWorkspace.withWorkspace { workspace in
      if GatherEvaluator.applies(to: kernel, plan: plan) {
        let gather = GatherEvaluator(kernel: kernel, buffers: buffers)
        let tiles = Tiler.tiles(units: gather.unitCount, unitCost: gather.unitCost)
        let floats = gather.scratchFloats
        if tiles.count == 1 {
          gather.run(units: tiles[0], scratch: workspace.floats(worker: 0, count: floats))
        } else {
          pool.parallelFor(tiles.count) { t, worker in
            gather.run(units: tiles[t], scratch: workspace.floats(worker: worker, count: floats))
          }
        }
        return tiles.count
      }
      let evaluator = ElementwiseEvaluator(kernel: kernel, plan: plan, buffers: buffers)
      let tiles = Tiler.tiles(units: evaluator.unitCount, unitCost: evaluator.unitCost)
      let floats = Swift.max(1, evaluator.scratchFloats)
      if tiles.count == 1 {
        evaluator.run(units: tiles[0], scratch: workspace.floats(worker: 0, count: floats))
      } else {
        pool.parallelFor(tiles.count) { t, worker in
          evaluator.run(units: tiles[t], scratch: workspace.floats(worker: worker, count: floats))
        }
      }
      return tiles.count
    }
  }
}
