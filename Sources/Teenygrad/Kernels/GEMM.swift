/// Single-precision matrix multiplication: the GotoBLAS/BLIS loop nest around
/// ``f32_gemm_6x16_avx2(depth:a:aRowStride:aStep:b:c:ldc:rows:cols:accumulate:)``.
///
/// Per tile of C, for each K block: take the tile's packed B block (shared, or packed now), then for
/// each A block of the tile's rows pack it (L2) and sweep 16-column B micro-panels (L1) against 6-row
/// A micro-panels held in registers. A tile only 16 columns wide reads A in place instead.
enum GEMM {
  /// C[b] = A[b] (m x k) * B[b] (k x n) for b in 0..<batch; C rows have stride ldc, columns stride 1;
  /// batch strides in elements (0 = broadcast operand). accumulate: C += instead of C =.
  ///
  /// Tiles of C run through `parallel`; the cut depends on shapes and `blocking` only, and every tile
  /// runs the whole K loop, so the result is bitwise identical for every thread count. k == 0 sets C
  /// to zero (or leaves it when accumulating). Returns the number of tiles of C it ran (for the
  /// profiler's `tiles` column).
  @discardableResult
  static func sgemm(
    batch: Int, m: Int, n: Int, k: Int,
    a: MatrixOperand, aBatchStride: Int, b: MatrixOperand, bBatchStride: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, cBatchStride: Int,
    accumulate: Bool, blocking: GEMMBlocking = .default, parallel: ParallelFor
  ) -> Int {
    precondition(batch >= 0 && m >= 0 && n >= 0 && k >= 0, "GEMM sizes must not be negative")
    precondition(ldc >= n || m <= 1, "GEMM: ldc (\(ldc)) is smaller than n (\(n))")
    if batch == 0 || m == 0 || n == 0 { return 0 }
    if k == 0 {
      if !accumulate { zero(batch: batch, m: m, n: n, c: c, ldc: ldc, cBatchStride: cBatchStride) }
      return 1
    }
    let plan = GEMMPlan(batch: batch, m: m, n: n, k: k, bMatrices: bBatchStride == 0 ? 1 : batch,
                        blocking: blocking)
    let operands = Operands(a: a, aBatchStride: aBatchStride, b: b, bBatchStride: bBatchStride,
                            c: c, ldc: ldc, cBatchStride: cBatchStride, accumulate: accumulate)
    GEMMWorkspace.withWorkspace { workspace in
      let sharedB = plan.sharesB ? workspace.sharedFloats(count: plan.sharedBFloats) : nil
      if let shared = sharedB {
        forEach(plan.packTaskCount, inline: plan.sharedBFloats < inlinePackFloats, parallel) { task, _ in
          packSharedB(task, plan: plan, operands: operands, into: shared)
        }
      }
      let scratchFloats = plan.scratchFloats
      forEach(plan.tileCount, inline: false, parallel) { index, worker in
        let scratch = workspace.floats(worker: worker, count: scratchFloats)
        runTile(index, plan: plan, operands: operands, sharedB: sharedB, scratch: scratch)
      }
    }
    return plan.tileCount
  }

  /// A shared B smaller than this is packed by the caller alone: a fork-join would cost more.
  private static let inlinePackFloats = 1 << 15

  /// The operands of one call as passed in; tiles offset them to their batch entry.
  private struct Operands {
    var a: MatrixOperand, aBatchStride: Int
    var b: MatrixOperand, bBatchStride: Int
    var c: UnsafeMutablePointer<Float>, ldc: Int, cBatchStride: Int
    var accumulate: Bool

    func b(matrix: Int) -> MatrixOperand {
      var bq = b
      bq.base += matrix &* bBatchStride
      return bq
    }
  }

  /// Runs `body` for every index, through `parallel` unless there is one index or `inline` is set.
  @inline(__always)
  private static func forEach(
    _ count: Int, inline: Bool, _ parallel: ParallelFor, _ body: (_ index: Int, _ worker: Int) -> Void
  ) {
    if count == 1 || inline {
      for index in 0..<count { body(index, 0) }
    } else {
      // The pool's loop takes the body as a plain value; it never outlives this call.
      withoutActuallyEscaping(body) { parallel(count, $0) }
    }
  }

  /// One task of the shared packing pass: some B micro-panels of one K block of one B matrix.
  private static func packSharedB(
    _ task: Int, plan: GEMMPlan, operands: Operands, into shared: UnsafeMutablePointer<Float>
  ) {
    let (matrix, kBlock, cols) = plan.packTask(task)
    let depth = plan.kRange(kBlock)
    let offset = plan.sharedBOffset(matrix: matrix, kBlock: kBlock, panel: cols.lowerBound / F32GEMMTile.cols)
    GEMMPacking.packB(operands.b(matrix: matrix), row0: depth.lowerBound, depth: depth.count,
                      col0: cols.lowerBound, cols: cols.count, into: shared + offset)
  }

  /// One tile of C: the whole K loop for its rows and columns, one column chunk at a time.
  private static func runTile(
    _ index: Int, plan: GEMMPlan, operands: Operands, sharedB: UnsafeMutablePointer<Float>?,
    scratch: UnsafeMutablePointer<Float>
  ) {
    let (q, rows, cols) = plan.tile(index)
    let chunkCols = plan.chunkCols(rows: rows.count)
    var start = cols.lowerBound
    while start < cols.upperBound {
      let chunk = start..<min(cols.upperBound, start &+ chunkCols)
      runChunk(batch: q, rows: rows, cols: chunk, plan: plan, operands: operands, sharedB: sharedB,
               scratch: scratch)
      start = chunk.upperBound
    }
  }

  /// C[rows, cols] of batch entry `q` through every K block.
  private static func runChunk(
    batch q: Int, rows: Range<Int>, cols: Range<Int>, plan: GEMMPlan, operands: Operands,
    sharedB: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>
  ) {
    var aq = operands.a
    aq.base += q &* operands.aBatchStride
    let bMatrix = plan.bMatrices == 1 ? 0 : q
    let cq = operands.c + (q &* operands.cBatchStride &+ cols.lowerBound)
    let packedA = scratch + plan.bScratchFloats
    let blockCount = plan.rowBlockCount(rows)
    for kb in 0..<plan.kBlocks {
      let depth = plan.kRange(kb)
      let packedB: UnsafeMutablePointer<Float>
      if let sharedB {
        packedB = sharedB + plan.sharedBOffset(matrix: bMatrix, kBlock: kb,
                                               panel: cols.lowerBound / F32GEMMTile.cols)
      } else {
        packedB = scratch
        GEMMPacking.packB(operands.b(matrix: bMatrix), row0: depth.lowerBound, depth: depth.count,
                          col0: cols.lowerBound, cols: cols.count, into: packedB)
      }
      let accumulate = operands.accumulate || kb > 0
      if cols.count <= F32GEMMTile.cols && aq.isStrided {
        // One B micro-panel: every A element is used once, so packing A would only add a copy.
        unpackedAKernel(aq, rows: rows, depth: depth, packedB: packedB, cols: cols.count,
                        c: cq, ldc: operands.ldc, accumulate: accumulate, edgeScratch: packedA)
        continue
      }
      for blockIndex in 0..<blockCount {
        let blockRows = plan.rowBlock(blockIndex, of: rows, count: blockCount)
        GEMMPacking.packA(aq, row0: blockRows.lowerBound, rows: blockRows.count,
                          col0: depth.lowerBound, depth: depth.count, into: packedA)
        macroKernel(depth: depth.count, packedA: packedA, rows: blockRows.count,
                    packedB: packedB, cols: cols.count,
                    c: cq + blockRows.lowerBound &* operands.ldc, ldc: operands.ldc,
                    accumulate: accumulate)
      }
    }
  }

  /// `rows` of C against a single packed B micro-panel, reading whole six-row A panels where they lie;
  /// only a last partial panel is packed (zero-padded) into `edgeScratch`.
  private static func unpackedAKernel(
    _ a: MatrixOperand, rows: Range<Int>, depth: Range<Int>, packedB: UnsafePointer<Float>, cols: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, edgeScratch: UnsafeMutablePointer<Float>
  ) {
    let mr = F32GEMMTile.rows
    let column = a.base + depth.lowerBound &* a.colStride
    var i = rows.lowerBound
    while i &+ mr <= rows.upperBound {
      f32_gemm_6x16_avx2(depth: depth.count, a: column + i &* a.rowStride, aRowStride: a.rowStride,
                         aStep: a.colStride, b: packedB, c: c + i &* ldc, ldc: ldc, rows: mr, cols: cols,
                         accumulate: accumulate)
      i &+= mr
    }
    if i < rows.upperBound {
      GEMMPacking.packA(a, row0: i, rows: rows.upperBound &- i, col0: depth.lowerBound, depth: depth.count,
                        into: edgeScratch)
      f32_gemm_6x16_avx2(depth: depth.count, a: edgeScratch, b: packedB, c: c + i &* ldc, ldc: ldc,
                         rows: rows.upperBound &- i, cols: cols, accumulate: accumulate)
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
