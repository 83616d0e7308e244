/// Single-precision matrix multiplication: the GotoBLAS/BLIS loop nest around
/// ``f32_gemm_6x16_avx2(depth:a:b:c:ldc:rows:cols:accumulate:)``.
///
/// Per tile of C: for each K block, pack the tile's B block (L3), then for each A block of the tile's
/// rows pack it (L2) and sweep 16-column B micro-panels (L1) against 6-row A micro-panels in registers.
enum GEMM {
  /// C[b] = A[b] (m x k) * B[b] (k x n) for b in 0..<batch; C rows have stride ldc, columns stride 1;
  /// batch strides in elements (0 = broadcast operand). accumulate: C += instead of C =.
  ///
  /// Tiles of C run through `parallel`; the cut depends on shapes and `blocking` only, so the result is
  /// bitwise identical for every thread count. k == 0 sets C to zero (or leaves it when accumulating).
  static func sgemm(
    batch: Int, m: Int, n: Int, k: Int,
    a: MatrixOperand, aBatchStride: Int, b: MatrixOperand, bBatchStride: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, cBatchStride: Int,
    accumulate: Bool, blocking: GEMMBlocking = .default, parallel: ParallelFor
  ) {
    precondition(batch >= 0 && m >= 0 && n >= 0 && k >= 0, "GEMM sizes must not be negative")
    precondition(ldc >= n || m <= 1, "GEMM: ldc (\(ldc)) is smaller than n (\(n))")
    if batch == 0 || m == 0 || n == 0 { return }
    if k == 0 {
      if !accumulate { zero(batch: batch, m: m, n: n, c: c, ldc: ldc, cBatchStride: cBatchStride) }
      return
    }
    let plan = GEMMPlan(batch: batch, m: m, n: n, k: k, blocking: blocking)
    GEMMWorkspace.withWorkspace { workspace in
      let scratchFloats = plan.scratchFloats
      if plan.tileCount == 1 {
        let scratch = workspace.floats(worker: 0, count: scratchFloats)
        runTile(0, plan: plan, a: a, aBatchStride: aBatchStride, b: b, bBatchStride: bBatchStride,
                c: c, ldc: ldc, cBatchStride: cBatchStride, accumulate: accumulate, scratch: scratch)
        return
      }
      parallel(plan.tileCount) { index, worker in
        let scratch = workspace.floats(worker: worker, count: scratchFloats)
        runTile(index, plan: plan, a: a, aBatchStride: aBatchStride, b: b, bBatchStride: bBatchStride,
                c: c, ldc: ldc, cBatchStride: cBatchStride, accumulate: accumulate, scratch: scratch)
      }
    }
  }

  /// One tile of C: the whole K loop for its rows and columns.
  private static func runTile(
    _ index: Int, plan: GEMMPlan,
    a: MatrixOperand, aBatchStride: Int, b: MatrixOperand, bBatchStride: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, cBatchStride: Int, accumulate: Bool,
    scratch: UnsafeMutablePointer<Float>
  ) {
    let (q, rows, cols) = plan.tile(index)
    var aq = a, bq = b
    aq.base += q &* aBatchStride
    bq.base += q &* bBatchStride
    let cq = c + q &* cBatchStride
    let packedB = scratch
    let packedA = scratch + plan.bScratchFloats
    let blockCount = plan.rowBlockCount(rows)
    for kb in 0..<plan.kBlocks {
      let depth = plan.kRange(kb)
      GEMMPacking.packB(bq, row0: depth.lowerBound, depth: depth.count,
                        col0: cols.lowerBound, cols: cols.count, into: packedB)
      for blockIndex in 0..<blockCount {
        let blockRows = plan.rowBlock(blockIndex, of: rows, count: blockCount)
        GEMMPacking.packA(aq, row0: blockRows.lowerBound, rows: blockRows.count,
                          col0: depth.lowerBound, depth: depth.count, into: packedA)
        macroKernel(depth: depth.count, packedA: packedA, rows: blockRows.count,
                    packedB: packedB, cols: cols.count,
                    c: cq + (blockRows.lowerBound &* ldc &+ cols.lowerBound), ldc: ldc,
                    accumulate: accumulate || kb > 0)
      }
    }
  }

  /// Every 6 x 16 register tile of one packed A block against one packed B block.
  @inline(__always)
  private static func macroKernel(
    depth: Int, packedA: UnsafePointer<Float>, rows: Int, packedB: UnsafePointer<Float>, cols: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool
  ) {
    let mr = F32GEMMTile.rows, nr = F32GEMMTile.cols
    let aPanelFloats = mr &* depth, bPanelFloats = nr &* depth
    var j = 0
    var bPanel = packedB
    while j < cols {
      let tileCols = min(nr, cols &- j)
      var i = 0
      var aPanel = packedA
      while i < rows {
        f32_gemm_6x16_avx2(depth: depth, a: aPanel, b: bPanel, c: c + (i &* ldc &+ j), ldc: ldc,
                           rows: min(mr, rows &- i), cols: tileCols, accumulate: accumulate)
        aPanel += aPanelFloats
        i &+= mr
      }
      bPanel += bPanelFloats
      j &+= nr
    }
  }

  private static func zero(batch: Int, m: Int, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                           cBatchStride: Int) {
    for q in 0..<batch {
      for i in 0..<m {
        (c + (q &* cBatchStride &+ i &* ldc)).update(repeating: 0, count: n)
      }
    }
  }
}
