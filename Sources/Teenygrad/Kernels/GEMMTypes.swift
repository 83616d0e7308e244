/// A read-only float matrix in memory: element (i, j) lives at `base[row(i) + col(j)]`, where `row(i)` is
/// `i * rowStride` or, when the rows span axes that do not collapse into one stride, `rowOffsets[i]` (and
/// likewise for columns).
///
/// Strides count elements, not bytes. A transposed view swaps the strides and a broadcast axis has
/// stride 0; offset tables cover conv's windows. So every unmasked view a ShapeTracker can describe packs
/// straight from the source without a copy.
struct MatrixOperand {
  var base: UnsafePointer<Float>
  var rowStride: Int
  var colStride: Int
  var rowOffsets: UnsafePointer<Int>?
  var colOffsets: UnsafePointer<Int>?

  init(base: UnsafePointer<Float>, rowStride: Int, colStride: Int,
       rowOffsets: UnsafePointer<Int>? = nil, colOffsets: UnsafePointer<Int>? = nil) {
    self.base = base
    self.rowStride = rowStride
    self.colStride = colStride
    self.rowOffsets = rowOffsets
    self.colOffsets = colOffsets
  }

  /// The same matrix read transposed.
  var transposed: MatrixOperand {
    MatrixOperand(base: base, rowStride: colStride, colStride: rowStride, rowOffsets: colOffsets, colOffsets: rowOffsets)
  }

  /// Whether both rows and columns are plain strides (no offset tables).
  var isStrided: Bool { rowOffsets == nil && colOffsets == nil }

  @inline(__always)
  func rowOffset(_ i: Int) -> Int { rowOffsets.map { $0[i] } ?? i &* rowStride }

  @inline(__always)
  func colOffset(_ j: Int) -> Int { colOffsets.map { $0[j] } ?? j &* colStride }

  @inline(__always)
  subscript(row: Int, col: Int) -> Float {
    base[rowOffset(row) &+ colOffset(col)]
  }
}

/// The thread pool's fork-join loop: runs `body(index, worker)` once for every index in `0..<count`
/// and returns when all have finished. `worker` names the thread that runs the call (0 is the caller);
/// no two calls with the same `worker` run at the same time.
typealias ParallelFor = (_ count: Int, _ body: (_ index: Int, _ worker: Int) -> Void) -> Void

/// Cache-derived block sizes for the GEMM loop nest (GotoBLAS/BLIS naming).
///
/// `kc` is the only size that affects rounding (it decides where partial sums meet C), and it depends on
/// the cache sizes alone, so a given machine gets bitwise-identical results at every thread count.
struct GEMMBlocking: Sendable, Equatable {
  /// Depth of one packed block: a 6 x kc A micro-panel plus a kc x 16 B micro-panel fill most of L1.
  var kc: Int
  /// Rows of one packed A block (a multiple of 6): an mc x kc block stays resident in L2.
  var mc: Int
  /// Columns of one packed B block (a multiple of 16): a kc x nc block takes a slice of L3.
  var nc: Int
  /// Smallest useful tile of C in floating-point operations; smaller problems get fewer tiles.
  var minTileFlops: Int
  /// Most tiles one product is cut into: more tiles balance better but cost more fork-join and packing.
  /// A product whose C adds into shared outputs (``GEMMPlan/columnGroup``) is cut by this alone, since its
  /// cut decides the order in which those outputs add up.
  var maxTiles: Int
  /// Most tiles of any other product, where each element of C belongs to one tile and no cut changes a sum
  /// (at most `maxTiles`; ``forThreads(_:)`` lowers it for one thread).
  var maxOwnedTiles: Int
  /// Fewest owned tiles of a product of more than ``minParallelFlops``: the thread count, so that a small
  /// product still runs on every thread; 1 on one thread.
  var minOwnedTiles: Int
  /// Most tiles when the tiles must each pack their own A or B (B too large to share): every extra tile
  /// packs again, so this stays near the thread count.
  var maxRepackingTiles: Int
  /// Whether tiles may read one packed copy of B (``GEMMPlan/sharesB``): only when they all run on one
  /// thread. A copy packed on one core must move into the caches of the cores that read it, and on the
  /// two-core reference VM that cost more than each tile packing its own B. On two threads, medians of 3 to
  /// 5 interleaved runs, each tile packing its own against one shared copy: 256x256x256 172 against 203 us,
  /// 512x512x512 1.29 against 1.41 ms, 784x128x128 133 against 139 us, 1024x1024x1024 10.3 against 10.4 ms.
  var sharesPackedB: Bool
  /// Largest B, in floats, packed once into shared scratch for all tiles (about half of L3).
  var sharedBMaxFloats: Int
  /// A shared packed B this small stays in L2, so sharing pays off even between two tiles.
  var sharedBCheapFloats: Int
  /// Floats of C a tile updates per K block, so that C stays in L2 from one K block to the next
  /// (C rows are too far apart for the hardware to fetch them ahead).
  var cBlockFloats: Int

  /// Blocking for caches of the given byte sizes (one core's L1d and L2, the shared L3).
  init(l1: Int = 32 << 10, l2: Int = 512 << 10, l3: Int = 32 << 20,
       minTileFlops: Int = 1 << 21, maxTiles: Int = 16) {
    let mr = F32GEMMTile.rows, nr = F32GEMMTile.cols
    let floatSize = MemoryLayout<Float>.size
    // Both micro-panels in at most ~70% of L1, leaving room for the C tile and stack.
    let kcRaw = (l1 * 7 / 10) / ((mr + nr) * floatSize)
    kc = Swift.max(16, kcRaw / 16 * 16)
    // The A block in about a third of L2, leaving space for B micro-panels streaming through.
    let mcRaw = (l2 / 3) / (kc * floatSize)
    mc = Swift.max(mr, mcRaw / mr * mr)
    // One B block per core in an eighth of L3.
    let ncRaw = (l3 / 8) / (kc * floatSize)
    nc = Swift.max(nr, ncRaw / nr * nr)
    sharedBMaxFloats = l3 / 2 / floatSize
    sharedBCheapFloats = l2 / floatSize / 2
    cBlockFloats = l2 / floatSize / 2
    self.minTileFlops = minTileFlops
    self.maxTiles = Swift.max(1, maxTiles)
    maxOwnedTiles = self.maxTiles
    minOwnedTiles = 1
    maxRepackingTiles = self.maxTiles
    sharesPackedB = true
  }

  /// Blocking for this project's reference machine (Zen 3: 32 KiB L1d, 512 KiB L2, 32 MiB L3).
  static let `default` = GEMMBlocking()

  /// The default blocking with at most one repacking tile per thread. Every tile runs the whole K loop in
  /// the same K blocks, so the cut changes which thread computes an element of C, never its sum; fewer tiles
  /// pack A and B fewer times (a weight gradient's long-K product packs each once per thread: TinyConvNet's
  /// conv2 weight gradient on two threads takes 1.17 ms as two tiles against 1.43 ms as four). Tiles share
  /// a packed B only on one thread (``sharesPackedB``).
  ///
  /// One thread has no load to balance, so it takes at most ``singleThreadMaxTiles`` owned tiles: each
  /// tile's rows then fill an L2 block of A, and each shared B micro-panel brought in from L3 feeds more
  /// A panels.
  static func forThreads(_ threads: Int) -> GEMMBlocking {
    var blocking = GEMMBlocking.default
    if threads <= 1 { blocking.maxOwnedTiles = Swift.min(blocking.maxTiles, singleThreadMaxTiles) }
    blocking.minOwnedTiles = Swift.min(threads, blocking.maxOwnedTiles)
    blocking.maxRepackingTiles = Swift.min(blocking.maxOwnedTiles, threads)
    blocking.sharesPackedB = threads <= 1
    return blocking
  }

  /// Most tiles of one product on one thread. 1024³ at 1 thread, medians of five interleaved runs: 34.0 ms
  /// as 4 tiles against 36.2 ms as 16 (cachegrind's simulated L2 misses: −28%).
  static let singleThreadMaxTiles = 4

  /// Products larger than this are split into at least ``minOwnedTiles`` tiles, whatever `minTileFlops`
  /// says: on two threads 128x10x400 (a linear layer's input gradient) went from 17.3 to 14.5 us and 96³
  /// from 24.4 to 19.7 us; 64³ (exactly this size) gained nothing.
  static let minParallelFlops = 1 << 19
}

/// Where the micro-kernel finds the 6-row A micro-panels of one A block: packed one after another, or, for
/// an A read in place, at A's own rows, with only a last partial panel packed apart.
struct APanels {
  /// Panel 0's first float.
  var base: UnsafePointer<Float>
  /// Floats from one panel to the next.
  var panelStride: Int
  /// Floats from one row of a panel to the next, and from one k step to the next.
  var rowStride: Int, step: Int
  /// The index of the panel packed apart, and where it lies (6 floats per k step).
  var edge: (index: Int, base: UnsafePointer<Float>)?

  /// Panels packed contiguously, `depth` k steps each.
  static func packed(_ base: UnsafePointer<Float>, depth: Int) -> APanels {
    APanels(base: base, panelStride: depth &* F32GEMMTile.rows, rowStride: 1, step: F32GEMMTile.rows, edge: nil)
  }

  /// The panels of A[rows, depth] for a strided A: full panels where they lie, and a last partial panel of
  /// four or five rows too (``F32GEMMTile/readsOnlyItsRows(_:)``); one of fewer rows, which an in-place read
  /// would run past, packed into `edgeScratch`.
  static func inPlace(_ a: MatrixOperand, rows: Range<Int>, depth: Range<Int>,
                      edgeScratch: UnsafeMutablePointer<Float>) -> APanels {
    let mr = F32GEMMTile.rows
    let origin = a.base + (rows.lowerBound &* a.rowStride &+ depth.lowerBound &* a.colStride)
    var panels = APanels(base: origin, panelStride: mr &* a.rowStride, rowStride: a.rowStride, step: a.colStride,
                         edge: nil)
    let full = rows.count / mr
    if full * mr < rows.count && !F32GEMMTile.readsOnlyItsRows(rows.count &- full &* mr) {
      GEMMPacking.packA(a, row0: rows.lowerBound &+ full &* mr, rows: rows.count &- full &* mr,
                        col0: depth.lowerBound, depth: depth.count, into: edgeScratch)
      panels.edge = (full, UnsafePointer(edgeScratch))
    }
    return panels
  }

  /// Panel `index`: its first float, row stride and k step.
  @inline(__always)
  func panel(_ index: Int) -> (base: UnsafePointer<Float>, rowStride: Int, step: Int) {
    if let edge, edge.index == index { return (edge.base, 1, F32GEMMTile.rows) }
    return (base + index &* panelStride, rowStride, step)
  }
}

/// Where the micro-kernel finds the 16-column B micro-panels of one K block: packed one after another, or,
/// for a row-major B read in place, at B's own columns, with only a last partial panel packed apart.
struct BPanels {
  /// Panel 0's first float.
  var base: UnsafePointer<Float>
  /// Floats from one panel to the next.
  var panelStride: Int
  /// Floats from one k step to the next within a panel.
  var step: Int
  /// The index of the panel packed apart, and where it lies (16 floats per k step).
  var edge: (index: Int, base: UnsafePointer<Float>)?

  /// Panels packed contiguously, `depth` k steps each.
  static func packed(_ base: UnsafePointer<Float>, depth: Int) -> BPanels {
    BPanels(base: base, panelStride: depth &* F32GEMMTile.cols, step: F32GEMMTile.cols, edge: nil)
  }

  /// The panels of B[depth, cols] for a B with unit column stride: full panels where they lie; a last
  /// partial panel (fewer than 16 columns, which an in-place read would run past) packed into `edgeScratch`.
  static func inPlace(_ b: MatrixOperand, depth: Range<Int>, cols: Range<Int>,
                      edgeScratch: UnsafeMutablePointer<Float>) -> BPanels {
    let nr = F32GEMMTile.cols
    let origin = b.base + (depth.lowerBound &* b.rowStride &+ cols.lowerBound)
    var panels = BPanels(base: origin, panelStride: nr, step: b.rowStride, edge: nil)
    let full = cols.count / nr
    if full * nr < cols.count {
      GEMMPacking.packB(b, row0: depth.lowerBound, depth: depth.count, col0: cols.lowerBound &+ full &* nr,
                        cols: cols.count &- full &* nr, into: edgeScratch)
      panels.edge = (full, UnsafePointer(edgeScratch))
    }
    return panels
  }

  /// Panel `index`: its first float and its k step.
  @inline(__always)
  func panel(_ index: Int) -> (base: UnsafePointer<Float>, step: Int) {
    if let edge, edge.index == index { return (edge.base, F32GEMMTile.cols) }
    return (base + index &* panelStride, step)
  }
}
