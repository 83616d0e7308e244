/// GEMMs with few outputs or few columns and a long K, as blocks of dot products along K.
///
/// When both operands step through memory one float at a time along K for runs of several elements (a
/// convolution's weight gradient: output-gradient rows against input-window rows), C's few elements are
/// better computed as 3x3 blocks of dot products over those runs (``f32_dot_3x3_avx2(_:runs:out:)``) than by
/// packing A and B panels: packing reads and writes all of A and B for a handful of outputs each.
/// Where only A's rows are unit-stride along K, B's columns are first copied K-contiguous: a few outputs then
/// run as 3x3 blocks over all of K, and a C of at most ``narrowMaxColumns`` columns (a linear layer with ten
/// outputs) as 6x2 blocks (``f32_dot_6x2_avx2(_:depth:out:outRowStride:)``), which use every SIMD lane where
/// the 6x16 kernel would leave columns idle.
/// Every output sums its K in the same passes and order whichever unit computes it, so results do not depend
/// on the thread count.
enum DotGEMM {
  /// Most elements of one batch entry's C a product may have to run as dot products. With more, packed
  /// panels pay off: each packed A row meets many B columns (TinyConvNet's conv2 weight gradient, 16x72 over
  /// runs of 11, is faster packed; conv1's, 8x9 over runs of 26, is 2.5x faster as dot products).
  static let maxOutputs = 512
  /// Shortest shared unit-stride run along K worth vectorizing.
  static let minRun = 8
  /// Shortest K worth it: below this, packing costs little anyway.
  static let minDepth = 256

  /// Whether a product of this shape, whose operands share unit-stride runs of `kRun` along K, runs as dot
  /// products read in place.
  static func suits(batch: Int, m: Int, n: Int, k: Int, kRun: Int) -> Bool {
    kRun >= minRun && k >= minDepth && k % kRun == 0 && m * n <= maxOutputs
  }

  /// Widest C that runs as dot products whatever its height, when A's rows are unit-stride along all of K.
  /// The 6x16 micro-kernel would leave most of its lanes idle on such a C (10 of 16 columns for a 400->10
  /// linear layer); 6x2 dot blocks use all of them.
  static let narrowMaxColumns = 12
  /// Deepest K of a narrow product: a 6x2 block walks all of K at once, and its six A rows (at most 192 KiB
  /// here) must stay in L2 while the block's neighbours along B's columns read them again.
  static let narrowMaxDepth = 8_192
  /// Shallowest K of a narrow product: below it the fixed cost of a block (twelve horizontal sums) outweighs
  /// the idle lanes of the 6x16 kernel (400x128x10 at 1 thread: 44 us as 6x2 blocks, 50 us packed).
  static let narrowMinDepth = 128
  /// Most floats of B copied into K-contiguous columns (8 MiB).
  static let maxCopiedBFloats = 1 << 21

  /// How `g` runs as dot products, or nil when it runs on packed panels.
  static func layout(_ g: GEMMSpec) -> Layout? {
    guard g.scatterColumns == nil else { return nil }
    if suits(batch: g.batch, m: g.m, n: g.n, k: g.k, kRun: g.kRun) { return .inPlace }
    guard g.a.colStride == 1, g.a.colOffsets == nil else { return nil }
    let bAlongK = g.b.rowStride == 1 && g.b.rowOffsets == nil
    let copyFits = (g.b.batchStride == 0 ? 1 : g.batch) * g.n * g.k <= maxCopiedBFloats
    if g.k >= minDepth && !bAlongK && copyFits && g.m * g.n <= maxOutputs { return .copiedB }
    guard g.n <= narrowMaxColumns, (narrowMinDepth...narrowMaxDepth).contains(g.k), bAlongK || copyFits else {
      return nil
    }
    return .narrow(copiesB: !bAlongK)
  }

  /// How a product runs as dot products.
  enum Layout: Equatable {
    /// 3x3 blocks over the K runs both operands share, read in place.
    case inPlace
    /// 3x3 blocks over all of K: A's rows are unit-stride along K, and B's columns, which are not, are first
    /// copied into a K-contiguous block (a convolution's weight gradient with a row-major im2col operand).
    case copiedB
    /// C has at most ``narrowMaxColumns`` columns and A's rows are unit-stride along K: 6x2 blocks over all of
    /// K. B's columns are read in place when they are unit-stride along K too, else first copied (`copiesB`).
    case narrow(copiesB: Bool)

    /// Units of blocks per thread. Finer units balance better; but a copied B's blocks run over all of a long
    /// K, and each unit streams the A rows and B columns of its own blocks from memory, so there one unit per
    /// thread keeps that traffic low (8x86528x9 on two threads: 0.47 ms against 0.58 ms with four per thread).
    var unitsPerThread: Int { self == .copiedB ? 1 : 4 }
  }

  /// C[q] = A[q] * B[q] for every batch entry `q` as dot products laid out as `layout` says: B's columns
  /// copied into K-contiguous rows of the workspace first where the layout asks, then
  /// ``runInPlace(batch:m:n:k:kRun:a:aBatchStride:aCount:b:bBatchStride:bCount:c:ldc:cBatchStride:cRowOffsets:cColOffsets:maxUnits:parallel:)``
  /// or ``runNarrow(batch:m:n:k:a:aBatchStride:aCount:b:bBatchStride:bCount:c:ldc:cBatchStride:cRowOffsets:cColOffsets:maxUnits:parallel:)``.
  /// Returns the number of units the blocks were cut into.
  static func run(_ layout: Layout, batch: Int, m: Int, n: Int, k: Int, kRun: Int,
                  a: MatrixOperand, aBatchStride: Int, aCount: Int,
                  b: MatrixOperand, bBatchStride: Int, bCount: Int,
                  c: UnsafeMutablePointer<Float>, ldc: Int, cBatchStride: Int,
                  cRowOffsets: UnsafePointer<Int>?, cColOffsets: UnsafePointer<Int>?,
                  maxUnits: Int, parallel: ParallelFor) -> Int {
    guard batch > 0, m > 0, n > 0 else { return 0 }
    return KernelWorkspace.withWorkspace { workspace in
      var b = b, bBatchStride = bBatchStride, bCount = bCount
      if layout == .copiedB || layout == .narrow(copiesB: true) {
        let matrices = bBatchStride == 0 ? 1 : batch
        let floats = matrices &* n &* k
        let copy = workspace.sharedFloats(count: Swift.max(1, floats))
        for q in 0..<matrices {
          GEMMPacking.packColumnsAlongK(b, batchOffset: q &* bBatchStride, cols: n, depth: k, into: copy + q &* n &* k)
        }
        (b, bBatchStride, bCount) = (MatrixOperand(base: copy, rowStride: 1, colStride: k),
                                     matrices == 1 ? 0 : n &* k, floats)
      }
      switch layout {
      case .inPlace, .copiedB:
        return runInPlace(batch: batch, m: m, n: n, k: k, kRun: layout == .inPlace ? kRun : k, a: a,
                          aBatchStride: aBatchStride, aCount: aCount, b: b, bBatchStride: bBatchStride, bCount: bCount,
                          c: c, ldc: ldc, cBatchStride: cBatchStride, cRowOffsets: cRowOffsets,
                          cColOffsets: cColOffsets, maxUnits: maxUnits, parallel: parallel)
      case .narrow:
        return runNarrow(batch: batch, m: m, n: n, k: k, a: a, aBatchStride: aBatchStride, aCount: aCount,
                         b: b, bBatchStride: bBatchStride, bCount: bCount, c: c, ldc: ldc,
                         cBatchStride: cBatchStride, cRowOffsets: cRowOffsets, cColOffsets: cColOffsets,
                         maxUnits: maxUnits, parallel: parallel)
      }
    }
  }

  /// C[q] = A[q] * B[q] for a narrow product (``Layout/narrow(copiesB:)``) as 6x2 blocks of dot products over
  /// all of K (``f32_dot_6x2_avx2(_:depth:out:outRowStride:)``), A's rows and B's columns both unit-stride along
  /// K. The blocks are cut into at most `maxUnits` units of consecutive blocks; each output is one block's sum
  /// over all of K, so the cut never changes a result. Returns the number of units.
  static func runNarrow(batch: Int, m: Int, n: Int, k: Int,
                        a: MatrixOperand, aBatchStride: Int, aCount: Int,
                        b: MatrixOperand, bBatchStride: Int, bCount: Int,
                        c: UnsafeMutablePointer<Float>, ldc: Int, cBatchStride: Int,
                        cRowOffsets: UnsafePointer<Int>? = nil, cColOffsets: UnsafePointer<Int>? = nil,
                        maxUnits: Int, parallel: ParallelFor) -> Int {
    guard batch > 0, m > 0, n > 0 else { return 0 }
    let rows = F32NarrowDotTile.rows, cols = F32NarrowDotTile.cols
    let grid = DotBlockGrid(batch: batch, m: m, n: n, rows: rows, cols: cols, maxUnits: maxUnits)
    let out = OutputMatrix(base: c, ldc: ldc, rowOffsets: cRowOffsets, colOffsets: cColOffsets)
    let plainC = cRowOffsets == nil && cColOffsets == nil
    parallel(grid.units) { unit, _ in
      withUnsafeTemporaryAllocation(of: Float.self, capacity: rows * cols) { tile in
        let t = tile.baseAddress!
        // Column blocks follow each other: A's six rows stay in L1 across B's columns, and their pointers are
        // worked out once per row block.
        let blocks = grid.blocks(ofUnit: unit)
        var (q, i0, j0) = grid.origin(blocks.lowerBound)
        var rowBlock = (batch: -1, row: -1)
        var aRows = (a.base, a.base, a.base, a.base, a.base, a.base), aLimit = 0
        var index = blocks.lowerBound
        while index < blocks.upperBound {
          // Rows and columns past the edge repeat the last one; their results are not stored.
          if rowBlock != (q, i0) {
            let aq = q &* aBatchStride
            @inline(__always) func row(_ d: Int) -> Int { aq &+ a.rowOffset(Swift.min(i0 &+ d, m &- 1)) }
            let r = (row(0), row(1), row(2), row(3), row(4), row(5))
            aRows = (a.base + r.0, a.base + r.1, a.base + r.2, a.base + r.3, a.base + r.4, a.base + r.5)
            aLimit = aCount &- Swift.max(r.0, r.1, r.2, r.3, r.4, r.5)
            rowBlock = (q, i0)
          }
          let bq = q &* bBatchStride
          let c0 = bq &+ b.colOffset(Swift.min(j0, n &- 1)), c1 = bq &+ b.colOffset(Swift.min(j0 &+ 1, n &- 1))
          let block = NarrowDotBlock(a: aRows, b: (b.base + c0, b.base + c1), aLimit: aLimit,
                                     bLimit: bCount &- Swift.max(c0, c1))
          var pairs = 1
          if plainC && i0 &+ rows <= m && j0 &+ cols <= n {
            // Whole blocks of a plain C: the kernel writes them in place, along the rest of this row of blocks
            // (within the unit) in one call where B's columns are evenly spaced.
            if b.colOffsets == nil { pairs = Swift.min(blocks.upperBound &- index, (n &- j0) / cols) }
            f32_dot_6x2_avx2(block, pairs: pairs, pairStride: cols &* b.colStride, depth: k,
                             out: c + (q &* cBatchStride &+ i0 &* ldc &+ j0), outRowStride: ldc)
          } else {
            f32_dot_6x2_avx2(block, depth: k, out: t)
            grid.store(t, batch: q, row: i0, col: j0, into: out, batchStride: cBatchStride)
          }
          for _ in 0..<pairs { grid.advance(&q, &i0, &j0) }
          index &+= pairs
        }
      }
    }
    return grid.units
  }

  /// K floats one pass over a unit's blocks covers: its A rows and B columns for that much K stay in L2
  /// while every block of the unit reads them.
  static let depthPerPass = 1024

  /// C[q] = A[q] * B[q] for every batch entry `q`, as dot products over the K runs of `kRun` floats.
  /// `aCount` and `bCount` are how many floats lie at and after `a.base` and `b.base` (how far a vector load
  /// may reach). The 3x3 blocks are cut into at most `maxUnits` units of consecutive blocks; a unit walks K in
  /// passes of about ``depthPerPass`` floats over all its blocks, each output adding its passes in K order, so
  /// the cut never changes a result. Returns the number of units.
  static func runInPlace(batch: Int, m: Int, n: Int, k: Int, kRun: Int,
                  a: MatrixOperand, aBatchStride: Int, aCount: Int,
                  b: MatrixOperand, bBatchStride: Int, bCount: Int,
                  c: UnsafeMutablePointer<Float>, ldc: Int, cBatchStride: Int,
                  cRowOffsets: UnsafePointer<Int>? = nil, cColOffsets: UnsafePointer<Int>? = nil,
                  maxUnits: Int, parallel: ParallelFor) -> Int {
    guard batch > 0, m > 0, n > 0 else { return 0 }
    let runCount = k / kRun
    let aStarts = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, runCount))
    let bStarts = UnsafeMutablePointer<Int>.allocate(capacity: Swift.max(1, runCount))
    defer { aStarts.deallocate(); bStarts.deallocate() }
    for r in 0..<runCount {
      aStarts[r] = a.colOffset(r &* kRun)
      bStarts[r] = b.rowOffset(r &* kRun)
    }
    let runsPerPass = Swift.max(1, depthPerPass / kRun)
    let grid = DotBlockGrid(batch: batch, m: m, n: n, rows: F32DotTile.rows, cols: F32DotTile.cols, maxUnits: maxUnits)
    let out = OutputMatrix(base: c, ldc: ldc, rowOffsets: cRowOffsets, colOffsets: cColOffsets)
    let tile = F32DotTile.rows * F32DotTile.cols
    KernelWorkspace.withWorkspace { workspace in
      parallel(grid.units) { unit, worker in
        let blocks = grid.blocks(ofUnit: unit)
        let first = blocks.lowerBound, count = blocks.count
        let sums = workspace.floats(worker: worker, count: (count + 1) * tile)
        sums.update(repeating: 0, count: count * tile)
        let pass = sums + count * tile
        var start = 0
        while start < runCount {
          let runs = DotRuns(count: Swift.min(runsPerPass, runCount - start), length: kRun,
                             aStarts: aStarts + start, bStarts: bStarts + start)
          for i in 0..<count {
            f32_dot_3x3_avx2(block(for: first + i), runs: runs, out: pass)
            let s = sums + i * tile
            for e in 0..<tile { s[e] += pass[e] }
          }
          start += runsPerPass
        }
        for i in 0..<count {
          let (q, i0, j0) = grid.origin(first + i)
          grid.store(sums + i * tile, batch: q, row: i0, col: j0, into: out, batchStride: cBatchStride)
        }
      }
    }
    return grid.units

    /// Block `index` (batch entry, then row block, then column block): rows and columns past the edge
    /// repeat the last one, and their results are not stored.
    func block(for index: Int) -> DotBlock {
      let (q, i0, j0) = grid.origin(index)
      let aq = q &* aBatchStride, bq = q &* bBatchStride
      @inline(__always) func row(_ d: Int) -> Int { aq &+ a.rowOffset(Swift.min(i0 &+ d, m &- 1)) }
      @inline(__always) func col(_ d: Int) -> Int { bq &+ b.colOffset(Swift.min(j0 &+ d, n &- 1)) }
      let r0 = row(0), r1 = row(1), r2 = row(2), c0 = col(0), c1 = col(1), c2 = col(2)
      return DotBlock(a: (a.base + r0, a.base + r1, a.base + r2), b: (b.base + c0, b.base + c1, b.base + c2),
                      aLimit: aCount &- Swift.max(r0, r1, r2), bLimit: bCount &- Swift.max(c0, c1, c2))
    }
  }
}
