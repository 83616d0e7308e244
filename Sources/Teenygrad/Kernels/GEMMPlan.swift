/// How one (batched) product is cut into independent tiles of C and blocks of K.
///
/// Everything here follows from the shapes and the ``GEMMBlocking`` alone, never from the thread count.
/// A tile covers whole 6-row and 16-column micro-panels of one batch entry (or, for a product whose C adds
/// into shared outputs, every row and whole column groups) and runs the full K loop, so each element of C
/// sums its products in the same order whoever computes it.
///
/// A small B with row-major rows (`readsBInPlace`) is read where it lies by every tile. Otherwise, when
/// several tiles on one thread read the same B (``GEMMBlocking/sharesPackedB``), B is packed once into
/// shared scratch first (`sharesB`), and tiles then split M only, so nothing is packed twice; else each
/// tile packs its own B block per K block, which keeps that block in cache.
struct GEMMPlan: Equatable {
  let batch: Int, m: Int, n: Int, k: Int
  /// Distinct B matrices: 1 when B is broadcast over the batch.
  let bMatrices: Int
  /// Number of K blocks; block `q` covers `kRange(q)`.
  let kBlocks: Int
  let panelsM: Int, panelsN: Int
  /// Tiles per matrix along M and N.
  let mTiles: Int, nTiles: Int
  /// Most micro-panels of A packed at once (one L2-resident block).
  let mcPanels: Int
  /// Whether every tile reads B's micro-panels where they lie (see ``readsBInPlace(rowMajor:m:k:n:blocking:)``).
  let readsBInPlace: Bool
  /// Whether B is packed once, before the tiles run, into `sharedBFloats` of shared scratch.
  let sharesB: Bool
  /// Floats of C one column chunk of a tile may cover (see ``chunkCols(rows:)``).
  let cBlockFloats: Int
  /// Columns that must stay in one tile (``GEMMSpec/scatterColumns``); 1 when any cut will do.
  let columnGroup: Int

  /// Narrowest column chunk: A is packed again for every chunk, so chunks stay wide enough for that
  /// copy to cost about a percent.
  static let minChunkCols = 256

  /// Fewest rows per tile for a shared B that does not fit L2: each of its floats, read from L3, then
  /// feeds at least this many multiply-adds.
  static let minSharedRows = 24

  /// B micro-panels packed by one task of the shared packing pass.
  static let packTaskPanels = 16

  /// Largest B, in floats, read in place by tiles of any height: a quarter of L1, so it stays there
  /// beside the A panels.
  static let inPlaceBMaxFloats = 8_192

  /// Largest B, in floats, read in place when all of A is one L2 block (m at most `mc`): a quarter of L2.
  static let oneBlockInPlaceBMaxFloats = 32_768

  /// Whether an m x k by k x n product whose B rows are contiguous (`rowMajor`) reads B in place in every
  /// tile. Packing pays off when each packed micro-panel feeds many A panels; a small B, or a B that meets
  /// a single L2 block of A, costs less read where it lies. Against each tile packing its own B, medians of
  /// 5 interleaved runs: 128x10x400 (a linear layer's input gradient) on two threads 13.1 against 18.9 us,
  /// 128x64x400 39.0 against 41.3 us on two threads and 69.2 against 71.5 us on one.
  static func readsBInPlace(rowMajor: Bool, m: Int, k: Int, n: Int, blocking: GEMMBlocking) -> Bool {
    let floats = k &* n
    return rowMajor && (floats <= inPlaceBMaxFloats || (floats <= oneBlockInPlaceBMaxFloats && m <= blocking.mc))
  }

  /// With `columnGroup`, C's elements add into shared outputs: each tile takes all rows and whole groups
  /// of columns, and the number of tiles follows from `blocking.maxTiles`, which no thread count changes.
  /// `bRowMajor`: B is strided with contiguous rows (column stride 1), so a small one can be read in place.
  init(batch: Int, m: Int, n: Int, k: Int, bMatrices: Int = 1, bRowMajor: Bool = false, blocking: GEMMBlocking,
       columnGroup: Int? = nil) {
    let mr = F32GEMMTile.rows, nr = F32GEMMTile.cols
    readsBInPlace = Self.readsBInPlace(rowMajor: bRowMajor, m: m, k: k, n: n, blocking: blocking)
    precondition(columnGroup.map { $0 > 0 && n % $0 == 0 } ?? true, "GEMM: column group does not divide n (\(n))")
    self.columnGroup = columnGroup ?? 1
    self.batch = batch
    self.m = m
    self.n = n
    self.k = k
    self.bMatrices = bMatrices
    kBlocks = max(1, (k + blocking.kc - 1) / blocking.kc)
    panelsM = (m + mr - 1) / mr
    panelsN = (n + nr - 1) / nr
    mcPanels = max(1, blocking.mc / mr)
    cBlockFloats = blocking.cBlockFloats

    let flops = 2 * m * n * k
    let useful = max(1, batch * flops / max(1, blocking.minTileFlops))
    if let group = columnGroup {
      let perMatrix = (min(blocking.maxTiles, useful) + batch - 1) / batch
      (mTiles, nTiles, sharesB) = (1, min(n / group, perMatrix), false)
      return
    }
    var wanted = min(blocking.maxOwnedTiles, useful)
    if batch * flops > GEMMBlocking.minParallelFlops { wanted = max(wanted, blocking.minOwnedTiles) }
    let perMatrix = (wanted + batch - 1) / batch
    let sharedFloats = bMatrices * k * panelsN * nr
    if blocking.sharesPackedB && !readsBInPlace && sharedFloats <= blocking.sharedBMaxFloats {
      let (mt, nt) = Self.split(perMatrix: perMatrix, panelsM: panelsM, panelsN: panelsN, nMin: 1,
                                m: m, n: n, repackB: false)
      // A shared B that does not stay in L2 beside the packed A is read from L3 by every tile: worth it only
      // when each tile has rows enough to reuse it.
      let cheap = sharedFloats <= blocking.sharedBCheapFloats
      if mt >= 2 && (cheap || (mt >= 3 && m / mt >= Self.minSharedRows)) {
        (mTiles, nTiles, sharesB) = (mt, nt, true)
        return
      }
    }
    let ncPanels = max(1, blocking.nc / nr)
    let nMin = (panelsN + ncPanels - 1) / ncPanels
    let repacking = min(wanted, blocking.maxRepackingTiles)
    (mTiles, nTiles) = Self.split(perMatrix: (repacking + batch - 1) / batch, panelsM: panelsM, panelsN: panelsN,
                                  nMin: nMin, m: m, n: n, repackB: !readsBInPlace)
    sharesB = false
  }

  /// Picks tiles per matrix along M and N: as close to `perMatrix` tiles as the panels allow, then the
  /// fewest repacked elements (A is packed once per N tile; B once per M tile unless shared), then the
  /// taller split.
  private static func split(
    perMatrix: Int, panelsM: Int, panelsN: Int, nMin: Int, m: Int, n: Int, repackB: Bool
  ) -> (Int, Int) {
    var best = (1, min(panelsN, nMin))
    var bestKey = (tiles: 0, cost: Int.max)
    for mt in 1...max(1, min(panelsM, perMatrix)) {
      let nt = min(panelsN, max(nMin, (perMatrix + mt - 1) / mt))
      let tiles = min(mt * nt, perMatrix)
      let cost = (repackB ? mt * n : 0) + nt * m
      if tiles > bestKey.tiles || (tiles == bestKey.tiles && cost <= bestKey.cost) {
        best = (mt, nt)
        bestKey = (tiles, cost)
      }
    }
    return best
  }

  var tileCount: Int { batch * mTiles * nTiles }

  /// The K indices of block `q`, balanced so that no block is a sliver.
  func kRange(_ q: Int) -> Range<Int> {
    (q * k / kBlocks)..<((q + 1) * k / kBlocks)
  }

  /// Tile `index`: its batch entry, C rows and C columns.
  func tile(_ index: Int) -> (batch: Int, rows: Range<Int>, cols: Range<Int>) {
    let perMatrix = mTiles * nTiles
    let q = index / perMatrix
    let ti = index % perMatrix / nTiles
    let tj = index % nTiles
    let mr = F32GEMMTile.rows, nr = F32GEMMTile.cols
    let rows = min(m, ti * panelsM / mTiles * mr)..<min(m, (ti + 1) * panelsM / mTiles * mr)
    if columnGroup > 1 {
      let groups = n / columnGroup
      return (q, rows, (tj * groups / nTiles * columnGroup)..<((tj + 1) * groups / nTiles * columnGroup))
    }
    let cols = min(n, tj * panelsN / nTiles * nr)..<min(n, (tj + 1) * panelsN / nTiles * nr)
    return (q, rows, cols)
  }

  /// Columns a tile with `rows` rows runs through all K blocks at a time (a multiple of 16), so that
  /// the C block it updates stays in L2 between K blocks.
  ///
  /// A tile reading a shared B takes its whole width at once: each column chunk packs the tile's A again,
  /// which costs more than updating C from L3. 2048³ at 1 thread spent 8% of its time packing A in
  /// 256-column chunks; unchunked, its fastest of 9 runs went from 170–174 ms to 166–168 ms (1024³:
  /// 21.5–21.9 to 20.9–21.3 ms).
  func chunkCols(rows: Int) -> Int {
    if sharesB && columnGroup == 1 { return max(1, n) }
    let nr = F32GEMMTile.cols
    let fitting = cBlockFloats / max(1, rows) / nr * nr
    return max(Self.minChunkCols, fitting)
  }

  /// Number of A blocks for a tile's rows: runs of at most `mcPanels` micro-panels.
  func rowBlockCount(_ rows: Range<Int>) -> Int {
    let panels = (rows.count + F32GEMMTile.rows - 1) / F32GEMMTile.rows
    return max(1, (panels + mcPanels - 1) / mcPanels)
  }

  /// The rows of A block `q` out of `count` for a tile's rows, balanced to whole micro-panels.
  func rowBlock(_ q: Int, of rows: Range<Int>, count: Int) -> Range<Int> {
    let mr = F32GEMMTile.rows
    let panels = (rows.count + mr - 1) / mr
    let upper = rows.upperBound
    return min(upper, rows.lowerBound + q * panels / count * mr)
      ..< min(upper, rows.lowerBound + (q + 1) * panels / count * mr)
  }

  // MARK: Shared B

  /// Floats of the shared packed B: per B matrix, per K block, every 16-column micro-panel.
  var sharedBFloats: Int { sharesB ? bMatrices * k * panelsN * F32GEMMTile.cols : 0 }

  /// Offset in the shared packed B of micro-panel `panel` of K block `kBlock` of B matrix `matrix`.
  func sharedBOffset(matrix: Int, kBlock: Int, panel: Int) -> Int {
    let depth = kRange(kBlock)
    let nr = F32GEMMTile.cols
    return (matrix * k + depth.lowerBound) * panelsN * nr + panel * nr * depth.count
  }

  private var packTaskGroups: Int { (panelsN + Self.packTaskPanels - 1) / Self.packTaskPanels }

  /// Tasks of the shared packing pass.
  var packTaskCount: Int { sharesB ? bMatrices * kBlocks * packTaskGroups : 0 }

  /// Pack task `index`: its B matrix, K block and B columns (whole micro-panels).
  func packTask(_ index: Int) -> (matrix: Int, kBlock: Int, cols: Range<Int>) {
    let groups = packTaskGroups
    let group = index % groups
    let span = Self.packTaskPanels * F32GEMMTile.cols
    let cols = (group * span)..<min(n, (group + 1) * span)
    return (index / groups / kBlocks, index / groups % kBlocks, cols)
  }

  // MARK: Per-worker scratch

  /// Floats reserved for a tile's own packed B block at the start of its scratch (a 64-byte multiple);
  /// zero when B is shared.
  var bScratchFloats: Int {
    if sharesB { return 0 }
    let nr = F32GEMMTile.cols
    // A scatter tile takes whole column groups, which need not end on a micro-panel.
    let tilePanelsN = columnGroup > 1
      ? ((n / columnGroup + nTiles - 1) / nTiles * columnGroup + nr - 1) / nr
      : (panelsN + nTiles - 1) / nTiles
    return roundUp16(tilePanelsN * nr * maxBlockDepth)
  }

  /// Floats of scratch one tile needs: its B block unless shared, then its largest A block, then for a
  /// scatter product its local C block.
  var scratchFloats: Int {
    let tilePanelsM = (panelsM + mTiles - 1) / mTiles
    let blockPanelsM = min(mcPanels, tilePanelsM)
    return bScratchFloats + roundUp16(blockPanelsM * F32GEMMTile.rows * maxBlockDepth) + scatterBlockFloats
  }

  /// Floats of a scatter product's local C block (all rows by one column chunk); zero for other products.
  var scatterBlockFloats: Int { columnGroup > 1 ? roundUp16(m * chunkCols(rows: m)) : 0 }

  private var maxBlockDepth: Int { (k + kBlocks - 1) / kBlocks }

  private func roundUp16(_ x: Int) -> Int { (x + 15) / 16 * 16 }
}
