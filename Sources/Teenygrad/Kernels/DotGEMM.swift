/// GEMMs with few outputs and a long K, as blocks of dot products read in place.
///
/// When both operands step through memory one float at a time along K for runs of several elements (a
/// convolution's weight gradient: output-gradient rows against input-window rows), C's few elements are
/// better computed as 3x3 blocks of dot products over those runs (``f32_dot_3x3_avx2(_:runs:out:)``) than by
/// packing A and B panels: packing reads and writes all of A and B for a handful of outputs each.
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
  /// products.
  static func suits(batch: Int, m: Int, n: Int, k: Int, kRun: Int) -> Bool {
    kRun >= minRun && k >= minDepth && k % kRun == 0 && m * n <= maxOutputs
  }

  /// K floats one pass over a unit's blocks covers: its A rows and B columns for that much K stay in L2
  /// while every block of the unit reads them.
  static let depthPerPass = 1024

  /// C[q] = A[q] * B[q] for every batch entry `q`, as dot products over the K runs of `kRun` floats.
  /// `aCount` and `bCount` are how many floats lie at and after `a.base` and `b.base` (how far a vector load
  /// may reach). The 3x3 blocks are cut into at most `maxUnits` units of consecutive blocks; a unit walks K in
  /// passes of about ``depthPerPass`` floats over all its blocks, each output adding its passes in K order, so
  /// the cut never changes a result. Returns the number of units.
  static func run(batch: Int, m: Int, n: Int, k: Int, kRun: Int,
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
    let rowBlocks = (m + F32DotTile.rows - 1) / F32DotTile.rows
    let colBlocks = (n + F32DotTile.cols - 1) / F32DotTile.cols
    let blocks = batch * rowBlocks * colBlocks
    let wanted = Swift.min(blocks, Swift.max(1, maxUnits))
    let perUnit = (blocks + wanted - 1) / wanted
    let units = (blocks + perUnit - 1) / perUnit
    let tile = F32DotTile.rows * F32DotTile.cols
    parallel(units) { unit, _ in
      let first = unit * perUnit, count = Swift.min(blocks, first + perUnit) - first
      let descriptors = (first..<first + count).map { block(for: $0) }
      let sums = UnsafeMutablePointer<Float>.allocate(capacity: (count + 1) * tile)
      defer { sums.deallocate() }
      sums.initialize(repeating: 0, count: count * tile)
      let pass = sums + count * tile
      for start in stride(from: 0, to: runCount, by: runsPerPass) {
        let runs = DotRuns(count: Swift.min(runsPerPass, runCount - start), length: kRun,
                           aStarts: aStarts + start, bStarts: bStarts + start)
        for (i, descriptor) in descriptors.enumerated() {
          f32_dot_3x3_avx2(descriptor, runs: runs, out: pass)
          let s = sums + i * tile
          for e in 0..<tile { s[e] += pass[e] }
        }
      }
      for i in 0..<count { store(first + i, sums + i * tile) }
    }
    return units

    /// Block `index` (batch entry, then row block, then column block): rows and columns past the edge
    /// repeat the last one, and their results are not stored.
    func block(for index: Int) -> DotBlock {
      let (q, i0, j0) = origin(index)
      let rows = (0..<F32DotTile.rows).map { q &* aBatchStride &+ a.rowOffset(Swift.min(i0 &+ $0, m &- 1)) }
      let cols = (0..<F32DotTile.cols).map { q &* bBatchStride &+ b.colOffset(Swift.min(j0 &+ $0, n &- 1)) }
      return DotBlock(a: (a.base + rows[0], a.base + rows[1], a.base + rows[2]),
                      b: (b.base + cols[0], b.base + cols[1], b.base + cols[2]),
                      aLimit: aCount &- rows.max()!, bLimit: bCount &- cols.max()!)
    }

    func origin(_ index: Int) -> (batch: Int, row: Int, col: Int) {
      (index / (rowBlocks * colBlocks), (index / colBlocks) % rowBlocks * F32DotTile.rows, index % colBlocks * F32DotTile.cols)
    }

    func store(_ index: Int, _ tile: UnsafeMutablePointer<Float>) {
      let (q, i0, j0) = origin(index)
      let out = OutputMatrix(base: c + q &* cBatchStride, ldc: ldc, rowOffsets: cRowOffsets, colOffsets: cColOffsets)
      for di in 0..<Swift.min(F32DotTile.rows, m &- i0) {
        for dj in 0..<Swift.min(F32DotTile.cols, n &- j0) {
          out.base[out.offset(row: i0 &+ di, col: j0 &+ dj)] = tile[F32DotTile.cols &* di &+ dj]
        }
      }
    }
  }
}
