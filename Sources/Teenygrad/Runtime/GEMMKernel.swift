/// Runs a GEMM kernel on the packed SIMD micro-kernel.
enum GEMMKernel {
  /// Returns the number of tiles of C the product was cut into.
  static func run(_ kernel: Kernel, _ spec: GEMMSpec, buffers: [Buffer], pool: ThreadPool) -> Int {
    let a = buffers[kernel.inputs[spec.a.input].buffer].floats
    let b = buffers[kernel.inputs[spec.b.input].buffer].floats
    let tiles = GEMM.sgemm(
      batch: spec.batch, m: spec.m, n: spec.n, k: spec.k,
      a: MatrixOperand(base: a + spec.a.offset, rowStride: spec.a.rowStride, colStride: spec.a.colStride),
      aBatchStride: spec.a.batchStride,
      b: MatrixOperand(base: b + spec.b.offset, rowStride: spec.b.rowStride, colStride: spec.b.colStride),
      bBatchStride: spec.b.batchStride,
      c: buffers[kernel.output].floats, ldc: spec.ldc, cBatchStride: spec.cBatchStride, accumulate: false,
      parallel: { count, body in pool.parallelFor(count, body) })
    return Swift.max(tiles, 1)
  }
}
