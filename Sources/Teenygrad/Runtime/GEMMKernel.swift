/// Runs a GEMM kernel on the packed SIMD micro-kernel.
enum GEMMKernel {
  /// Returns the number of tiles of C the product was cut into.
  /// The kernel is read where it lies: a copy would retain and release every array it holds.
  static func run(_ kernel: UnsafePointer<Kernel>, buffers: [Buffer], pool: ThreadPool) -> Int {
    guard let spec = kernel.pointee.gemm else { preconditionFailure("\(kernel.pointee.name) is not a matrix product") }
    let output = buffers[kernel.pointee.output]
    let aBuffer = buffers[kernel.pointee.inputs[spec.a.input].buffer]
    let bBuffer = buffers[kernel.pointee.inputs[spec.b.input].buffer]
    let a = aBuffer.floats, b = bBuffer.floats
    return withOperand(spec.a, a) { aMatrix in
      withOperand(spec.b, b) { bMatrix in
        withTable(spec.cRowOffsets) { cRows in
          withTable(spec.cColOffsets) { cCols in
            if let layout = DotGEMM.layout(spec) {
              return DotGEMM.run(
                layout, batch: spec.batch, m: spec.m, n: spec.n, k: spec.k, kRun: spec.kRun,
                a: aMatrix, aBatchStride: spec.a.batchStride, aCount: aBuffer.count - spec.a.offset,
                b: bMatrix, bBatchStride: spec.b.batchStride, bCount: bBuffer.count - spec.b.offset,
                c: output.floats, ldc: spec.ldc, cBatchStride: spec.cBatchStride,
                cRowOffsets: cRows, cColOffsets: cCols, maxUnits: layout.unitsPerThread * pool.threadCount,
                parallel: { count, body in pool.parallelFor(count, body) })
            }
            // A product fused with its col2im adds into a zeroed output (its tiles are cut the same at every
            // thread count: see GEMMPlan).
            if spec.scatterColumns != nil { output.floats.update(repeating: 0, count: output.count) }
            let tiles = GEMM.sgemm(
              batch: spec.batch, m: spec.m, n: spec.n, k: spec.k, a: aMatrix, aBatchStride: spec.a.batchStride,
              b: bMatrix, bBatchStride: spec.b.batchStride,
              c: output.floats, ldc: spec.ldc, cBatchStride: spec.cBatchStride,
              cRowOffsets: cRows, cColOffsets: cCols, accumulate: spec.scatterColumns != nil,
              blocking: .forThreads(pool.threadCount), columnGroup: spec.scatterColumns,
              parallel: { count, body in pool.parallelFor(count, body) })
            return Swift.max(tiles, 1)
          }
        }
      }
    }
  }

  /// The operand as a matrix over `memory`, its offset tables pinned for the duration of `body`.
  private static func withOperand<R>(_ o: GEMMSpec.Operand, _ memory: UnsafeMutablePointer<Float>,
                                     _ body: (MatrixOperand) -> R) -> R {
    withTable(o.rowOffsets) { rows in
      withTable(o.colOffsets) { cols in
        body(MatrixOperand(base: memory + o.offset, rowStride: o.rowStride, colStride: o.colStride,
                           rowOffsets: rows, colOffsets: cols))
      }
    }
  }

  /// An optional offset table pinned for the duration of `body` (nil stays nil).
  private static func withTable<R>(_ table: [Int]?, _ body: (UnsafePointer<Int>?) -> R) -> R {
    guard let table else { return body(nil) }
    return table.withUnsafeBufferPointer { body($0.baseAddress) }
  }
}
