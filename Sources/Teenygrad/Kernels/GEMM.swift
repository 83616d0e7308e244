/// Single-precision matrix multiplication: the GotoBLAS/BLIS loop nest around
/// ``f32_gemm_6x16_avx2(depth:a:aRowStride:aStep:b:bStep:c:ldc:rows:cols:accumulate:tiles:tileStrides:)``.
///
/// Per tile of C, for each K block: take the tile's packed B block (shared, or packed now), then for
/// each A block of the tile's rows pack it (L2) and sweep 16-column B micro-panels (L1) against 6-row
/// A micro-panels held in registers. A small B or A (``GEMMPlan/readsBInPlace(rowMajor:m:k:n:blocking:)``,
/// ``readsAInPlace(_:m:n:k:)``), and A in a tile only 16 columns wide, are read in place instead.
enum GEMM {
  /// C[b] = A[b] (m x k) * B[b] (k x n) for b in 0..<batch; C rows have stride ldc, columns stride 1,
  /// unless `cRowOffsets` / `cColOffsets` give each row's / column's offset instead;
  /// batch strides in elements (0 = broadcast operand). accumulate: C += instead of C =.
  /// `columnGroup` keeps that many consecutive columns in one tile (``GEMMPlan``): set it when the offset
  /// tables send several elements of C to one place, with `accumulate`.
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
    cRowOffsets: UnsafePointer<Int>? = nil, cColOffsets: UnsafePointer<Int>? = nil,
    accumulate: Bool, blocking: GEMMBlocking = .default, columnGroup: Int? = nil, parallel: ParallelFor
  ) -> Int {
    precondition(batch >= 0 && m >= 0 && n >= 0 && k >= 0, "GEMM sizes must not be negative")
    precondition(cRowOffsets != nil || cColOffsets != nil || ldc >= n || m <= 1,
                 "GEMM: ldc (\(ldc)) is smaller than n (\(n))")
    if batch == 0 || m == 0 || n == 0 { return 0 }
    let output = OutputMatrix(base: c, ldc: ldc, rowOffsets: cRowOffsets, colOffsets: cColOffsets)
    if k == 0 {
      if !accumulate { zero(batch: batch, m: m, n: n, c: output, cBatchStride: cBatchStride) }
      return 1
    }
    let plan = GEMMPlan(batch: batch, m: m, n: n, k: k, bMatrices: bBatchStride == 0 ? 1 : batch,
                        bRowMajor: b.isStrided && b.colStride == 1, blocking: blocking, columnGroup: columnGroup)
    let operands = Operands(a: a, aBatchStride: aBatchStride, b: b, bBatchStride: bBatchStride,
                            c: output, cBatchStride: cBatchStride, accumulate: accumulate)
    let mr = F32GEMMTile.rows
    // An A broadcast over the batch (conv's weights) is packed once, not once per batch entry.
    let sharedAFloats = batch > 1 && aBatchStride == 0 && plan.panelsM * mr * k <= sharedAMaxFloats
      ? plan.panelsM * mr * k : 0
    KernelWorkspace.withWorkspace { workspace in
      let shared = plan.sharesB || sharedAFloats > 0
        ? workspace.sharedFloats(count: plan.sharedBFloats + sharedAFloats) : nil
      let sharedB = plan.sharesB ? shared : nil
      let sharedA = sharedAFloats > 0 ? shared.map { $0 + plan.sharedBFloats } : nil
      if let shared = sharedB {
        forEach(plan.packTaskCount, inline: plan.sharedBFloats < inlinePackFloats, parallel) { task, _ in
          packSharedB(task, plan: plan, operands: operands, into: shared)
        }
      }
      if let sharedA {
        for kb in 0..<plan.kBlocks {
          let depth = plan.kRange(kb)
          GEMMPacking.packA(a, row0: 0, rows: m, col0: depth.lowerBound, depth: depth.count,
                            into: sharedA + depth.lowerBound &* plan.panelsM &* mr)
        }
      }
      let scratchFloats = plan.scratchFloats
      forEach(plan.tileCount, inline: false, parallel) { index, worker in
        let scratch = workspace.floats(worker: worker, count: scratchFloats)
        runTile(index, plan: plan, operands: operands, sharedA: sharedA, sharedB: sharedB, scratch: scratch)
      }
    }
    return plan.tileCount
  }

  /// A shared B smaller than this is packed by the caller alone: a fork-join would cost more.
  private static let inlinePackFloats = 1 << 15

  /// Largest A, in floats, packed once for a whole batch (it stays in L2 across the batch).
  private static let sharedAMaxFloats = 1 << 17

  /// The operands of one call as passed in; tiles offset them to their batch entry.
  private struct Operands {
    var a: MatrixOperand, aBatchStride: Int
    var b: MatrixOperand, bBatchStride: Int
    var c: OutputMatrix, cBatchStride: Int
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
    _ index: Int, plan: GEMMPlan, operands: Operands, sharedA: UnsafeMutablePointer<Float>?,
    sharedB: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>
  ) {
    let (q, rows, cols) = plan.tile(index)
    let chunkCols = plan.chunkCols(rows: rows.count)
    var start = cols.lowerBound
    while start < cols.upperBound {
      let chunk = start..<min(cols.upperBound, start &+ chunkCols)
      if plan.columnGroup > 1 {
        runScatterChunk(rows: rows, cols: chunk, plan: plan, operands: operands, sharedA: sharedA,
                        sharedB: sharedB, scratch: scratch)
      } else {
        runChunk(batch: q, rows: rows, cols: chunk, plan: plan, operands: operands, sharedA: sharedA,
                 sharedB: sharedB, scratch: scratch)
      }
      start = chunk.upperBound
    }
  }

  /// A chunk of a product whose C adds into shared outputs (``GEMMPlan/columnGroup``): C goes to a local block
  /// with plain stores first, then is added into the output row by row, each run of adjacent output places as
  /// vectors. Rows that add into overlapping places (a window's next position) are then a whole chunk apart,
  /// so no load waits for an overlapping store still in flight, as it would tile by tile.
  private static func runScatterChunk(
    rows: Range<Int>, cols: Range<Int>, plan: GEMMPlan, operands: Operands,
    sharedA: UnsafeMutablePointer<Float>?, sharedB: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>
  ) {
    let block = scratch + (plan.scratchFloats &- plan.scatterBlockFloats)
    let width = cols.count
    var local = operands
    // The block holds C[rows, cols]: element (i, j) at (i - rows.lowerBound) * width + (j - cols.lowerBound).
    local.c = OutputMatrix(base: block - (rows.lowerBound &* width &+ cols.lowerBound), ldc: width,
                           rowOffsets: nil, colOffsets: nil)
    local.accumulate = false
    runChunk(batch: 0, rows: rows, cols: cols, plan: plan, operands: local, sharedA: sharedA, sharedB: sharedB,
             scratch: scratch)
    let out = operands.c
    withUnsafeTemporaryAllocation(of: Int.self, capacity: width &+ 1) { starts in
      let runStarts = starts.baseAddress!
      // C's offsets are a row part plus a column part, so one row's runs are every row's.
      let runs = OutputMatrix.adjacentRuns(width, into: runStarts) {
        out.offset(row: rows.lowerBound, col: cols.lowerBound &+ $0)
      }
      for i in rows {
        let source = block + (i &- rows.lowerBound) &* width
        for run in 0..<runs {
          let j = runStarts[run]
          OutputMatrix.storeRun(source + j, out.base + out.offset(row: i, col: cols.lowerBound &+ j),
                                count: runStarts[run &+ 1] &- j, accumulate: true)
        }
      }
    }
  }

  /// C[rows, cols] of batch entry `q` through every K block.
  private static func runChunk(
    batch q: Int, rows: Range<Int>, cols: Range<Int>, plan: GEMMPlan, operands: Operands,
    sharedA: UnsafeMutablePointer<Float>?, sharedB: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>
  ) {
    var aq = operands.a
    aq.base += q &* operands.aBatchStride
    let bMatrix = plan.bMatrices == 1 ? 0 : q
    var cq = operands.c
    cq.base += q &* operands.cBatchStride
    let packedA = scratch + plan.bScratchFloats
    let blockCount = plan.rowBlockCount(rows)
    let bq = operands.b(matrix: bMatrix)
    let bInPlace = plan.readsBInPlace || (sharedB == nil && Self.readsBInPlace(bq, rows: rows.count))
    let aInPlace = sharedA == nil && Self.readsAInPlace(aq, m: plan.m, n: plan.n, k: plan.k)
    for kb in 0..<plan.kBlocks {
      let depth = plan.kRange(kb)
      let panels: BPanels
      if let sharedB {
        panels = .packed(sharedB + plan.sharedBOffset(matrix: bMatrix, kBlock: kb,
                                                      panel: cols.lowerBound / F32GEMMTile.cols), depth: depth.count)
      } else if bInPlace {
        panels = .inPlace(bq, depth: depth, cols: cols, edgeScratch: scratch)
      } else {
        GEMMPacking.packB(bq, row0: depth.lowerBound, depth: depth.count, col0: cols.lowerBound, cols: cols.count,
                          into: scratch)
        panels = .packed(scratch, depth: depth.count)
      }
      let accumulate = operands.accumulate || kb > 0
      if cols.count <= F32GEMMTile.cols && aq.isStrided {
        // One B micro-panel: every A element is used once, so packing A would only add a copy.
        unpackedAKernel(aq, rows: rows, depth: depth, b: panels.panel(0), cols: cols,
                        c: cq, accumulate: accumulate, edgeScratch: packedA)
        continue
      }
      for blockIndex in 0..<blockCount {
        let blockRows = plan.rowBlock(blockIndex, of: rows, count: blockCount)
        let blockA: APanels
        if let sharedA {
          blockA = .packed(sharedA + (depth.lowerBound &* plan.panelsM &* F32GEMMTile.rows
                                      &+ blockRows.lowerBound &* depth.count), depth: depth.count)
        } else if aInPlace {
          blockA = .inPlace(aq, rows: blockRows, depth: depth, edgeScratch: packedA)
        } else {
          GEMMPacking.packA(aq, row0: blockRows.lowerBound, rows: blockRows.count,
                            col0: depth.lowerBound, depth: depth.count, into: packedA)
          blockA = .packed(packedA, depth: depth.count)
        }
        macroKernel(depth: depth.count, a: blockA, rows: blockRows, b: panels, cols: cols, bShared: sharedB != nil,
                    c: cq, accumulate: accumulate)
      }
    }
  }

  /// Largest A, in floats, read where it lies rather than packed (half of L2). A large A's rows, often a
  /// page apart, cost TLB and cache-set misses that packing avoids.
  static let inPlaceAMaxFloats = 1 << 17

  /// Widest C whose A is read in place: each A panel then meets at most 32 B micro-panels, too few to pay
  /// for copying it (the packed loop runs a little faster per use). At one thread, medians of 5 interleaved
  /// runs: 128x784x128 262 against 276 us, 200x128x128 67.5 against 71.4 us, 128x10x400 15.7 against 16.4
  /// us, 256x256x256 322 against 328 us; 128x128x784 (49 panels) took 3% longer in place.
  static let inPlaceAMaxColumns = 512

  /// Whether the m x k matrices of a strided A, in a product n wide, are read in place by every tile (a
  /// last partial panel of fewer than four rows is still packed).
  static func readsAInPlace(_ a: MatrixOperand, m: Int, n: Int, k: Int) -> Bool {
    a.isStrided && m &* k <= inPlaceAMaxFloats && n <= inPlaceAMaxColumns
  }

  /// Most C rows a tile may have for a row-major B to be read where it lies rather than packed: each B
  /// micro-panel then feeds at most this many rows, too few to pay for the copy.
  private static let inPlaceBMaxRows = 24

  /// Whether a tile with `rows` rows reads B's full micro-panels in place.
  @inline(__always)
  private static func readsBInPlace(_ b: MatrixOperand, rows: Int) -> Bool {
    b.isStrided && b.colStride == 1 && rows <= inPlaceBMaxRows
  }

  /// `rows` of C against a single B micro-panel, reading A's panels where they lie; only a last partial panel
  /// of fewer than four rows is packed (zero-padded) into `edgeScratch`
  /// (``APanels/inPlace(_:rows:depth:edgeScratch:)``).
  private static func unpackedAKernel(
    _ a: MatrixOperand, rows: Range<Int>, depth: Range<Int>, b: (base: UnsafePointer<Float>, step: Int),
    cols: Range<Int>,
    c: OutputMatrix, accumulate: Bool, edgeScratch: UnsafeMutablePointer<Float>
  ) {
    let mr = F32GEMMTile.rows
    let panels = APanels.inPlace(a, rows: rows, depth: depth, edgeScratch: edgeScratch)
    let count = (rows.count + mr - 1) / mr
    var q = 0
    if c.rowOffsets == nil && c.colOffsets == nil {
      // C strided: every full tile in one call.
      let tiles = rows.count / mr
      f32_gemm_6x16_avx2(depth: depth.count, a: panels.base, aRowStride: panels.rowStride, aStep: panels.step,
                         b: b.base, bStep: b.step, c: c.base + (rows.lowerBound &* c.ldc &+ cols.lowerBound),
                         ldc: c.ldc, rows: mr, cols: cols.count, accumulate: accumulate, tiles: tiles,
                         tileStrides: (panels.panelStride, 0, mr &* c.ldc))
      q = tiles
    }
    while q < count {
      let i = rows.lowerBound &+ q &* mr, tileRows = min(mr, rows.upperBound &- i), panel = panels.panel(q)
      c.tile(row: i, col: cols.lowerBound, rows: tileRows, cols: cols.count, accumulate: accumulate) { out, ldc, acc in
        f32_gemm_6x16_avx2(depth: depth.count, a: panel.base, aRowStride: panel.rowStride, aStep: panel.step,
                           b: b.base, bStep: b.step, c: out, ldc: ldc, rows: tileRows, cols: cols.count,
                           accumulate: acc)
      }
      q &+= 1
    }
  }

  /// Every 6 x 16 register tile of one packed A block (C rows `rows`) against one block of B micro-panels
  /// (C columns `cols`).
  ///
  /// Tiles go along each A micro-panel's row of tiles when ``runsAlongRows(depth:cols:bPacked:bShared:)``
  /// says so: the micro-panel stays in L1 while B's panels pass, one call runs a whole row of tiles, and C is
  /// written as six sequential streams the hardware prefetches. Otherwise tiles go down each B micro-panel's column
  /// of tiles, so that the panel stays in L1 while A's panels pass.
  @inline(__always)
  private static func macroKernel(
    depth: Int, a: APanels, rows: Range<Int>, b: BPanels, cols: Range<Int>, bShared: Bool,
    c: OutputMatrix, accumulate: Bool
  ) {
    let mr = F32GEMMTile.rows, nr = F32GEMMTile.cols
    @inline(__always) func tile(_ i: Int, _ j: Int) {
      let aPanel = a.panel(i / mr), bPanel = b.panel(j / nr)
      let tileRows = min(mr, rows.count &- i), tileCols = min(nr, cols.count &- j)
      c.tile(row: rows.lowerBound &+ i, col: cols.lowerBound &+ j, rows: tileRows, cols: tileCols,
             accumulate: accumulate) { out, ldc, acc in
        f32_gemm_6x16_avx2(depth: depth, a: aPanel.base, aRowStride: aPanel.rowStride, aStep: aPanel.step,
                           b: bPanel.base, bStep: bPanel.step, c: out, ldc: ldc,
                           rows: tileRows, cols: tileCols, accumulate: acc)
      }
    }
    // Plain loops: `stride(from:to:by:)` is not inlined here, and costs a call per tile.
    if runsAlongRows(depth: depth, cols: cols.count, bPacked: b.step == nr, bShared: bShared) {
      // A strided C takes each A micro-panel's full B micro-panels (never the packed edge one) in one call.
      let fullPanels = c.rowOffsets == nil && c.colOffsets == nil ? cols.count / nr : 0
      var i = 0
      while i < rows.count {
        var j = 0
        if fullPanels > 0 {
          let tileRows = min(mr, rows.count &- i), aPanel = a.panel(i / mr)
          f32_gemm_6x16_avx2(depth: depth, a: aPanel.base, aRowStride: aPanel.rowStride, aStep: aPanel.step,
                             b: b.base, bStep: b.step,
                             c: c.base + ((rows.lowerBound &+ i) &* c.ldc &+ cols.lowerBound), ldc: c.ldc,
                             rows: tileRows, cols: nr, accumulate: accumulate, tiles: fullPanels,
                             tileStrides: (0, b.panelStride, nr))
          j = fullPanels &* nr
        }
        while j < cols.count { tile(i, j); j &+= nr }
        i &+= mr
      }
    } else {
      var j = 0
      while j < cols.count {
        var i = 0
        while i < rows.count { tile(i, j); i &+= mr }
        j &+= nr
      }
    }
  }

  /// Whether a macro-kernel's tiles run along rows of C: always for a shallow K (at most
  /// ``rowOrderMaxDepth``), where storing C costs more than the multiply-adds. At a deeper K, when the B block
  /// stays in L2 while each A micro-panel passes over it and the row of tiles is long enough to pay for
  /// reading B from L2 rather than L1: a B packed once for every tile (one thread) of at most
  /// ``rowOrderMaxSharedBFloats``, or a B read in place (a row stride per k step) of at most
  /// ``rowOrderMaxInPlaceBFloats`` and at least ``rowOrderMinInPlaceColumns`` wide. Kernel times, medians of
  /// interleaved runs, one thread: 10x128x400 (a linear layer's weight gradient, B in place) 10.1 -> 9.6 us,
  /// 128x128x784 249 -> 240 us, 128x784x128 247 -> 239 us, 256x256x256 303 -> 297 us, 512x512x512 2.49 ->
  /// 2.45 ms, 15488x64x288 6.4-7.4 -> 5.6-5.7 ms (shared B); two threads: 10x128x400 6.5 -> 6.0 us. Kept in
  /// column order: 16x15488x72 (B in place, a row of five tiles) took 2% longer along rows, 24x512x512 (B in
  /// place, 128K floats) 3% longer, and 128x128x784 on two threads (each tile packing its own block of 50K
  /// floats) 15% longer.
  private static func runsAlongRows(depth: Int, cols: Int, bPacked: Bool, bShared: Bool) -> Bool {
    if depth <= rowOrderMaxDepth { return true }
    if bShared { return depth &* cols <= rowOrderMaxSharedBFloats }
    return !bPacked && cols >= rowOrderMinInPlaceColumns && depth &* cols <= rowOrderMaxInPlaceBFloats
  }

  /// Deepest K block whose tiles always run along rows of C.
  private static let rowOrderMaxDepth = 32
  /// Largest shared B block, in floats, whose tiles run along rows at a deeper K (half of the reference
  /// machine's L2).
  private static let rowOrderMaxSharedBFloats = 1 << 17
  /// Largest B block read in place, in floats, whose tiles run along rows at a deeper K (a quarter of that L2).
  private static let rowOrderMaxInPlaceBFloats = 1 << 16
  /// Fewest columns of C for the tiles of a B read in place to run along rows at a deeper K.
  private static let rowOrderMinInPlaceColumns = 8 * F32GEMMTile.cols

  private static func zero(batch: Int, m: Int, n: Int, c: OutputMatrix, cBatchStride: Int) {
    for q in 0..<batch {
      var cq = c
      cq.base += q &* cBatchStride
      for i in 0..<m { for j in 0..<n { cq.base[cq.offset(row: i, col: j)] = 0 } }
    }
  }
}

/// Where a GEMM writes C: element (i, j) at `base[i * ldc + j]`, or through per-row and per-column offset
/// tables when C's rows or columns span axes that do not collapse (conv's input gradient, written straight
/// into its window layout).
struct OutputMatrix {
  var base: UnsafeMutablePointer<Float>
  var ldc: Int
  var rowOffsets: UnsafePointer<Int>?
  var colOffsets: UnsafePointer<Int>?

  @inline(__always)
  func offset(row i: Int, col j: Int) -> Int {
    (rowOffsets.map { $0[i] } ?? i &* ldc) &+ (colOffsets.map { $0[j] } ?? j)
  }

  /// Runs `kernel(c, ldc, accumulate)` for the tile at (row, col): straight into C when C is strided, else
  /// into a local 6 x 16 tile that is then stored (or added) through the offset tables.
  @inline(__always)
  func tile(row: Int, col: Int, rows: Int, cols: Int, accumulate: Bool,
            _ kernel: (UnsafeMutablePointer<Float>, Int, Bool) -> Void) {
    guard rowOffsets != nil || colOffsets != nil else {
      kernel(base + (row &* ldc &+ col), ldc, accumulate)
      return
    }
    let mr = F32GEMMTile.rows, nr = F32GEMMTile.cols
    // The tile, then its columns transposed (eight floats each) for a store by columns.
    withUnsafeTemporaryAllocation(of: Float.self, capacity: mr &* nr &+ nr &* 8) { scratch in
      withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 &* nr &+ 8) { ints in
        let t = scratch.baseAddress!, cs = ints.baseAddress!
        kernel(t, nr, false)
        for q in 0..<cols { cs[q] = colOffsets.map { $0[col &+ q] } ?? col &+ q }
        if rows == mr, let split = adjacentRowSplit(row: row), !columnsAdjacent(cs, cols) {
          storeByColumns(t, row: row, split: split, columns: cs, cols: cols, accumulate: accumulate,
                         transposed: t + mr &* nr, lineOffsets: cs + nr)
          return
        }
        // Row by row, each run of adjacent columns as vectors.
        let runStarts = cs + nr
        let runs = Self.adjacentRuns(cols, into: runStarts) { cs[$0] }
        for r in 0..<rows {
          let p = base + (rowOffsets.map { $0[row &+ r] } ?? (row &+ r) &* ldc), v = t + r &* nr
          for run in 0..<runs {
            let q = runStarts[run]
            Self.storeRun(v + q, p + cs[q], count: runStarts[run &+ 1] &- q, accumulate: accumulate)
          }
        }
      }
    }
  }

  /// For a full tile whose six rows form at most two runs of adjacent offsets (conv's input gradient: rows
  /// are a channel's window positions), the first row of the second run (6 when there is one run).
  @inline(__always)
  private func adjacentRowSplit(row: Int) -> Int? {
    guard let ro = rowOffsets else { return nil }
    let mr = F32GEMMTile.rows
    var split = 1
    while split < mr && ro[row &+ split] == ro[row] &+ split { split &+= 1 }
    var end = split &+ 1
    while end < mr && ro[row &+ end] == ro[row &+ split] &+ (end &- split) { end &+= 1 }
    return end >= mr ? split : nil
  }

  /// Whether the first two columns are adjacent (the row-by-row store then writes runs the hardware merges).
  @inline(__always)
  private func columnsAdjacent(_ cs: UnsafePointer<Int>, _ cols: Int) -> Bool {
    cols < 2 || cs[1] == cs[0] &+ 1
  }

  /// Stores a 6 x 16 tile column by column: the tile is transposed in registers, then each column's rows are
  /// written as one or two short vectors instead of one scalar store per element.
  @inline(__always)
  private func storeByColumns(
    _ t: UnsafeMutablePointer<Float>, row: Int, split: Int, columns cs: UnsafePointer<Int>, cols: Int,
    accumulate: Bool, transposed: UnsafeMutablePointer<Float>, lineOffsets: UnsafeMutablePointer<Int>
  ) {
    let mr = F32GEMMTile.rows, nr = F32GEMMTile.cols
    for r in 0..<mr { lineOffsets[r] = r &* nr }
    GEMMPacking.transposeEight(t, lineOffsets: lineOffsets, lines: mr, into: transposed, width: 8, columns: 8)
    GEMMPacking.transposeEight(t + 8, lineOffsets: lineOffsets, lines: mr, into: transposed + 64, width: 8, columns: 8)
    let first = base + rowOffsets![row], second = base + rowOffsets![row &+ min(split, mr &- 1)]
    for q in 0..<cols {
      let v = transposed + q &* 8
      Self.storeRun(v, first + cs[q], count: split, accumulate: accumulate)
      if split < mr { Self.storeRun(v + split, second + cs[q], count: mr &- split, accumulate: accumulate) }
    }
  }

  /// Cuts columns `0 ..< count` into runs whose offsets are adjacent: writes each run's first column to
  /// `starts`, then `count`; returns the number of runs.
  @inline(__always)
  static func adjacentRuns(_ count: Int, into starts: UnsafeMutablePointer<Int>, offset: (Int) -> Int) -> Int {
    var runs = 0
    var previous = 0
    for j in 0..<count {
      let o = offset(j)
      if j == 0 || o != previous &+ 1 {
        starts[runs] = j
        runs &+= 1
      }
      previous = o
    }
    starts[runs] = count
    return runs
  }

  /// Stores (or adds) `count` adjacent floats: eights and a four as vectors, the rest one by one. Written
  /// out, not as a loop, which the compiler would turn into masked vector stores (microcoded and slow on AMD
  /// cores).
  @inline(__always)
  static func storeRun(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
    @inline(__always) func one(_ i: Int) { if accumulate { dst[i] += src[i] } else { dst[i] = src[i] } }
    let from = UnsafeRawPointer(src), to = UnsafeMutableRawPointer(dst)
    var i = 0
    while i &+ 8 <= count {
      var v = from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)
      if accumulate { v += UnsafeRawPointer(to).loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self) }
      to.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD8<Float>.self)
      i &+= 8
    }
    if i &+ 4 <= count {
      var v = from.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
      if accumulate { v += UnsafeRawPointer(to).loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self) }
      to.storeBytes(of: v, toByteOffset: i &* 4, as: SIMD4<Float>.self)
      i &+= 4
    }
    switch count &- i {
    case 3: one(i); one(i &+ 1); one(i &+ 2)
    case 2: one(i); one(i &+ 1)
    case 1: one(i)
    default: break
    }
  }

}
