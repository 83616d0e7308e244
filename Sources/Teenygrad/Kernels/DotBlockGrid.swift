/// The blocks of a dot-product GEMM's C (``DotGEMM``): `rows` x `cols` register blocks of every batch entry,
/// numbered batch entry, then row block, then column block, and their cut into at most `maxUnits` units of
/// consecutive blocks.
struct DotBlockGrid {
  let m: Int, n: Int, rows: Int, cols: Int
  let rowBlocks: Int, colBlocks: Int
  /// Blocks per unit (the last unit may have fewer), and the number of units.
  let perUnit: Int, units: Int
  private let count: Int

  init(batch: Int, m: Int, n: Int, rows: Int, cols: Int, maxUnits: Int) {
    (self.m, self.n, self.rows, self.cols) = (m, n, rows, cols)
    rowBlocks = (m + rows - 1) / rows
    colBlocks = (n + cols - 1) / cols
    count = batch * rowBlocks * colBlocks
    let wanted = Swift.min(count, Swift.max(1, maxUnits))
    perUnit = (count + wanted - 1) / Swift.max(1, wanted)
    units = perUnit == 0 ? 0 : (count + perUnit - 1) / perUnit
  }

  /// The blocks of `unit`.
  func blocks(ofUnit unit: Int) -> Range<Int> {
    (unit &* perUnit)..<Swift.min(count, (unit &+ 1) &* perUnit)
  }

  /// Block `index`'s batch entry and the C row and column of its first element.
  func origin(_ index: Int) -> (batch: Int, row: Int, col: Int) {
    (index / (rowBlocks &* colBlocks), (index / colBlocks) % rowBlocks &* rows, index % colBlocks &* cols)
  }

  /// Moves an origin to the next block's, without dividing.
  @inline(__always)
  func advance(_ batch: inout Int, _ row: inout Int, _ col: inout Int) {
    col &+= cols
    guard col >= n else { return }
    col = 0
    row &+= rows
    if row >= m { row = 0; batch &+= 1 }
  }

  /// Writes a block's results (`rows` x `cols`, row-major) into C of batch entry `batch`, `batchStride` floats
  /// per entry; rows and columns past C's edge are dropped.
  @inline(__always)
  func store(_ tile: UnsafePointer<Float>, batch: Int, row i0: Int, col j0: Int, into out: OutputMatrix,
             batchStride: Int) {
    let base = out.base + batch &* batchStride, height = Swift.min(rows, m &- i0)
    if out.rowOffsets == nil && out.colOffsets == nil && j0 &+ cols <= n {
      var target = base + (i0 &* out.ldc &+ j0)
      for di in 0..<height {
        for dj in 0..<cols { target[dj] = tile[cols &* di &+ dj] }
        target += out.ldc
      }
      return
    }
    for di in 0..<height {
      for dj in 0..<Swift.min(cols, n &- j0) {
        base[out.offset(row: i0 &+ di, col: j0 &+ dj)] = tile[cols &* di &+ dj]
      }
    }
  }
}
