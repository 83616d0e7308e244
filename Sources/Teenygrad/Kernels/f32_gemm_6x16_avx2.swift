import CPrefetch

/// Register tile of the float32 GEMM micro-kernel: 6 rows of C by 16 columns (two 8-lane vectors),
/// twelve ymm accumulators, leaving four registers for the B row and the broadcast A value.
enum F32GEMMTile {
  static let rows = 6
  static let cols = 16
  /// K steps ahead that the kernel asks for the rows of a B read in place. TinyConvNet's conv2 weight
  /// gradient, 16x15488x72 at 1 thread, took 2.0-2.3 ms prefetching the current row (no help), 1.4-1.8 ms
  /// at 8 steps ahead, and 0.7-1.0 ms at 32 to 160 steps.
  static let inPlaceBPrefetchSteps = 64
  /// Shallowest tile whose C rows the kernel asks for before its k loop; a shallower one stores right away.
  static let prefetchCMinDepth = 32

  /// Whether a tile of `rows` rows reads A's rows `0..<rows` only, so that a partial A panel of that height
  /// can be read where it lies: the five- and four-row loops read exactly their rows, while a tile of one
  /// to three rows runs in the four-row loop, reading past them.
  static func readsOnlyItsRows(_ rows: Int) -> Bool { rows >= F32Tile4x16.rows }
}

/// C[0..<rows, 0..<cols] (=|+=) A * B for one 6 x 16 tile, with AVX2 FMA.
///
/// `b` is a B micro-panel: 16 floats per k step, `bStep` floats apart (16 when packed, zero-padded past
/// the valid columns; a row-major B's row stride when read in place, all 16 columns valid). A's element (r, p)
/// is read at `a[r * aRowStride + p * aStep]`: a packed A micro-panel has strides (1, 6) and is
/// zero-padded past the valid rows; an unpacked row-major or column-major A can be read in place when
/// all six rows exist. The loop is the same for edge tiles; only the write-back looks at `rows` and
/// `cols`. C rows are `ldc` apart. The kernel prefetches C's rows before a long enough k loop, and the rows
/// of a B read in place ahead of the step that reads them (``F32GEMMTile/inPlaceBPrefetchSteps``).
///
/// With `tiles` > 1 the call runs that many tiles, tile `t` reading A and B `t` times `tileStrides.a` and
/// `tileStrides.b` floats further and writing C `t * tileStrides.c` floats further: a column of tiles (A read
/// in place, same B micro-panel) or a row of them (same A micro-panel, consecutive B micro-panels). One call
/// for a run of shallow tiles (a K of 9 or 10), where a call per tile would cost about a third of each tile.
/// Never inlined: its callers' register pressure would spill the accumulators.
@inline(never)
func f32_gemm_6x16_avx2(
  depth: Int, a: UnsafePointer<Float>, aRowStride: Int = 1, aStep: Int = F32GEMMTile.rows,
  b: UnsafePointer<Float>, bStep: Int = F32GEMMTile.cols, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int,
  cols: Int, accumulate: Bool, tiles: Int = 1, tileStrides: (a: Int, b: Int, c: Int) = (0, 0, 0)
) {
  @inline(__always) func loop<T: F32RegisterTile>(_ tile: T.Type) {
    f32_gemm_tiles(tile, depth: depth, a: UnsafeRawPointer(a), aRowBytes: aRowStride &* 4, aStepBytes: aStep &* 4,
                   b: UnsafeRawPointer(b), bStepBytes: bStep &* 4, c: c, ldc: ldc, rows: rows, cols: cols,
                   accumulate: accumulate, tiles: tiles, tileStrides: tileStrides)
  }
  // A loop of their own for tiles of at most five rows, and for tiles of 16 columns too shallow for the C
  // prefetch (``F32Tile6x16/stridedStep(_:_:_:rowBytes:)`` for every A layout and B step, nothing left to
  // decide per tile but the write-back of an edge: at a K of 10 the general tile's setup and its spilled
  // strides cost about a twentieth of each tile, 128x10x400 on one thread).
  if rows == F32Tile5x16.rows { return loop(F32Tile5x16.self) }
  if rows <= F32Tile4x16.rows { return loop(F32Tile4x16.self) }
  if cols == F32GEMMTile.cols && depth < F32GEMMTile.prefetchCMinDepth { return loop(F32ShallowTile6x16.self) }
  var tileA = a, tileB = b, tileC = c
  for _ in 0..<tiles {
    f32_gemm_6x16_tile(depth: depth, a: UnsafeRawPointer(tileA), aRowStride: aRowStride, aStep: aStep, b: tileB,
                       bStep: bStep, c: tileC, ldc: ldc, rows: rows, cols: cols, accumulate: accumulate)
    tileA += tileStrides.a
    tileB += tileStrides.b
    tileC += tileStrides.c
  }
}

/// One A value times the 16 B floats `b0`, `b1`, added into a row's two accumulators.
@inline(__always)
private func f32AddRow(_ lo: inout SIMD8<Float>, _ hi: inout SIMD8<Float>, _ x: Float, _ b0: SIMD8<Float>,
                       _ b1: SIMD8<Float>) {
  let av = SIMD8<Float>(repeating: x)
  lo = lo.addingProduct(av, b0)
  hi = hi.addingProduct(av, b1)
}

/// A register tile of the tile loops: accumulators that start at zero, one k step of a B row times A's rows
/// (rows 0-2 `rowBytes` apart from `a`, rows 3-5 from `a3`), and a write-back of the valid rows and columns.
private protocol F32RegisterTile {
  init()
  mutating func step(_ b: UnsafeRawPointer, _ a: UnsafeRawPointer, _ a3: UnsafeRawPointer, rowBytes: Int)
  func write(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool)
}

/// `tiles` tiles of `T` in one loop, with every argument as in
/// ``f32_gemm_6x16_avx2(depth:a:aRowStride:aStep:b:bStep:c:ldc:rows:cols:accumulate:tiles:tileStrides:)`` (strides
/// in bytes): tile `t` reads A and B `t` times `tileStrides.a` and `tileStrides.b` floats further and writes C
/// `t * tileStrides.c` floats further. One specialization per tile type, never inlined, so that each keeps its
/// accumulators in registers.
@inline(never)
private func f32_gemm_tiles<T: F32RegisterTile>(
  _ tile: T.Type, depth: Int, a: UnsafeRawPointer, aRowBytes: Int, aStepBytes: Int, b: UnsafeRawPointer,
  bStepBytes: Int, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool, tiles: Int,
  tileStrides: (a: Int, b: Int, c: Int)
) {
  var tileA = a, tileB = b, tileC = c
  for _ in 0..<tiles {
    var t = T()
    var pa = tileA, pa3 = tileA + 3 &* aRowBytes, pb = tileB
    for _ in 0..<depth {
      t.step(pb, pa, pa3, rowBytes: aRowBytes)
      pa += aStepBytes
      pa3 += aStepBytes
      pb += bStepBytes
    }
    t.write(to: tileC, ldc: ldc, rows: rows, cols: cols, accumulate: accumulate)
    tileA += tileStrides.a &* 4
    tileB += tileStrides.b &* 4
    tileC += tileStrides.c
  }
}

/// The ten accumulators of a five-row tile (a last partial panel: a C of 5, 11 or 17 rows): rows 0-3 as a
/// four-row tile, then row 4. Ten multiply-adds per k step where the six-row loop spends twelve on a
/// zero-padded row, the same arithmetic in the same order for each row. One thread, kernel time, medians of
/// interleaved runs: 5x128x400 6.45 -> 5.53 us, 11x128x400 11.9 -> 11.0 us. (Cutting a C of 10 rows into two
/// such tiles instead of six and four rows was slower: 5.8 cycles per k step and panel for each, against 6.4
/// and 4.7.)
private struct F32Tile5x16: F32RegisterTile {
  static let rows = 5
  var top = F32Tile4x16()
  var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()

  /// One k step: the 16 B floats at `b` times A's rows 0-2 (off `a`) and 3-4 (off `a3`), `rowBytes` apart.
  @inline(__always)
  mutating func step(_ b: UnsafeRawPointer, _ a: UnsafeRawPointer, _ a3: UnsafeRawPointer, rowBytes: Int) {
    let b0 = b.loadUnaligned(as: SIMD8<Float>.self)
    let b1 = b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
    top.step(b0, b1, a, a3, rowBytes: rowBytes)
    f32AddRow(&c40, &c41, a3.load(fromByteOffset: rowBytes, as: Float.self), b0, b1)
  }

  /// Writes (or adds) the five rows' first `cols` columns to C, whose rows are `ldc` apart (`rows` is five).
  @inline(__always)
  func write(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool) {
    top.write(to: c, ldc: ldc, rows: F32Tile4x16.rows, cols: cols, accumulate: accumulate)
    f32StoreRowPartial(c40, c41, to: c + 4 &* ldc, cols: cols, accumulate: accumulate)
  }
}

/// The eight accumulators of a tile of at most four rows (a last partial panel: a C of 10, 16 or 64 rows).
/// Rows 4 and 5 of such a panel are zero padding whose products the six-row loop computes and drops; this
/// tile computes rows 0-3 only, the same arithmetic in the same order for each row kept. Unlike the six-row
/// loop its loop never asks for a B read in place ahead: below six-row tiles it finds B's panel in L1, and
/// alone (a C of at most four rows) its eight chains of multiply-adds leave the loads time to wait. Without
/// the prefetch, one thread, medians of interleaved runs: 10x128x400 10.45 -> 10.1 us, 4x128x400 5.05 -> 4.64
/// us, 4x2048x256 65.6 -> 62.3 us, 16x15488x72 452 -> 444 us.
private struct F32Tile4x16: F32RegisterTile {
  static let rows = 4
  var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
  var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
  var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
  var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()

  /// One k step: the 16 B floats at `b` times A's rows 0-2 (off `a`) and 3 (at `a3`), `rowBytes` apart.
  @inline(__always)
  mutating func step(_ b: UnsafeRawPointer, _ a: UnsafeRawPointer, _ a3: UnsafeRawPointer, rowBytes: Int) {
    step(b.loadUnaligned(as: SIMD8<Float>.self), b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self), a, a3,
         rowBytes: rowBytes)
  }

  /// One k step with the B row already loaded (`b0`: columns 0-7, `b1`: 8-15).
  @inline(__always)
  mutating func step(_ b0: SIMD8<Float>, _ b1: SIMD8<Float>, _ a: UnsafeRawPointer, _ a3: UnsafeRawPointer,
                     rowBytes: Int) {
    f32AddRow(&c00, &c01, a.load(as: Float.self), b0, b1)
    f32AddRow(&c10, &c11, a.load(fromByteOffset: rowBytes, as: Float.self), b0, b1)
    f32AddRow(&c20, &c21, a.load(fromByteOffset: 2 &* rowBytes, as: Float.self), b0, b1)
    f32AddRow(&c30, &c31, a3.load(as: Float.self), b0, b1)
  }

  /// Writes (or adds) the first `rows` (at most four) rows and `cols` columns to C, whose rows are `ldc` apart.
  @inline(__always)
  func write(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool) {
    f32StoreRowPartial(c00, c01, to: c, cols: cols, accumulate: accumulate)
    if rows > 1 { f32StoreRowPartial(c10, c11, to: c + ldc, cols: cols, accumulate: accumulate) }
    if rows > 2 { f32StoreRowPartial(c20, c21, to: c + 2 &* ldc, cols: cols, accumulate: accumulate) }
    if rows > 3 { f32StoreRowPartial(c30, c31, to: c + 3 &* ldc, cols: cols, accumulate: accumulate) }
  }
}

/// The twelve accumulators of one 6 x 16 tile: row `r`'s 16 columns are `cr0` (lanes 0-7) and `cr1` (8-15).
///
/// A struct passed `inout`, not variables captured by a local function: with several call sites in one
/// loop, captured accumulators are kept on the stack and reloaded every step.
private struct F32Tile6x16 {
  var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
  var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
  var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
  var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
  var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
  var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()

  /// One k step: the 16 B floats at `b` times six A values.
  @inline(__always)
  mutating func step(_ b: UnsafeRawPointer, _ x0: Float, _ x1: Float, _ x2: Float, _ x3: Float, _ x4: Float,
                     _ x5: Float) {
    let b0 = b.loadUnaligned(as: SIMD8<Float>.self)
    let b1 = b.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
    var av = SIMD8<Float>(repeating: x0)
    c00 = c00.addingProduct(av, b0)
    c01 = c01.addingProduct(av, b1)
    av = SIMD8<Float>(repeating: x1)
    c10 = c10.addingProduct(av, b0)
    c11 = c11.addingProduct(av, b1)
    av = SIMD8<Float>(repeating: x2)
    c20 = c20.addingProduct(av, b0)
    c21 = c21.addingProduct(av, b1)
    av = SIMD8<Float>(repeating: x3)
    c30 = c30.addingProduct(av, b0)
    c31 = c31.addingProduct(av, b1)
    av = SIMD8<Float>(repeating: x4)
    c40 = c40.addingProduct(av, b0)
    c41 = c41.addingProduct(av, b1)
    av = SIMD8<Float>(repeating: x5)
    c50 = c50.addingProduct(av, b0)
    c51 = c51.addingProduct(av, b1)
  }

  /// One k step of an A read in place: rows 0-2 hang off `pa` and rows 3-5 off `pa3`, each at 0, 1 or 2 row
  /// strides.
  @inline(__always)
  mutating func stridedStep(_ b: UnsafeRawPointer, _ pa: UnsafeRawPointer, _ pa3: UnsafeRawPointer, rowBytes: Int) {
    step(b, pa.load(as: Float.self), pa.load(fromByteOffset: rowBytes, as: Float.self),
         pa.load(fromByteOffset: 2 &* rowBytes, as: Float.self), pa3.load(as: Float.self),
         pa3.load(fromByteOffset: rowBytes, as: Float.self), pa3.load(fromByteOffset: 2 &* rowBytes, as: Float.self))
  }

  /// Writes (or adds) the first `rows` rows and `cols` columns to C, whose rows are `ldc` apart.
  @inline(__always)
  func write(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool) {
    if rows == F32GEMMTile.rows && cols == F32GEMMTile.cols {
      store(to: c, ldc: ldc, accumulate: accumulate)
    } else {
      storeEdge(to: c, ldc: ldc, rows: rows, cols: cols, accumulate: accumulate)
    }
  }

  /// Writes (or adds) all six rows to C, whose rows are `ldc` apart.
  @inline(__always)
  private func store(to c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
    f32StoreRow16(c00, c01, to: c, accumulate: accumulate)
    f32StoreRow16(c10, c11, to: c + ldc, accumulate: accumulate)
    f32StoreRow16(c20, c21, to: c + 2 &* ldc, accumulate: accumulate)
    f32StoreRow16(c30, c31, to: c + 3 &* ldc, accumulate: accumulate)
    f32StoreRow16(c40, c41, to: c + 4 &* ldc, accumulate: accumulate)
    f32StoreRow16(c50, c51, to: c + 5 &* ldc, accumulate: accumulate)
  }

  /// Writes (or adds) the first `rows` rows and `cols` columns to C: the rest was computed on zero padding and
  /// is dropped. Row by row, spelled out: a loop over the accumulators would first spill them all to memory.
  @inline(__always)
  private func storeEdge(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool) {
    f32StoreRowPartial(c00, c01, to: c, cols: cols, accumulate: accumulate)
    if rows > 1 { f32StoreRowPartial(c10, c11, to: c + ldc, cols: cols, accumulate: accumulate) }
    if rows > 2 { f32StoreRowPartial(c20, c21, to: c + 2 &* ldc, cols: cols, accumulate: accumulate) }
    if rows > 3 { f32StoreRowPartial(c30, c31, to: c + 3 &* ldc, cols: cols, accumulate: accumulate) }
    if rows > 4 { f32StoreRowPartial(c40, c41, to: c + 4 &* ldc, cols: cols, accumulate: accumulate) }
    if rows > 5 { f32StoreRowPartial(c50, c51, to: c + 5 &* ldc, cols: cols, accumulate: accumulate) }
  }

  /// One k step of a packed A micro-panel, whose six values lie adjacent at `a`.
  @inline(__always)
  mutating func packedStep(_ b: UnsafeRawPointer, _ a: UnsafeRawPointer) {
    step(b, a.load(as: Float.self), a.load(fromByteOffset: 4, as: Float.self),
         a.load(fromByteOffset: 8, as: Float.self), a.load(fromByteOffset: 12, as: Float.self),
         a.load(fromByteOffset: 16, as: Float.self), a.load(fromByteOffset: 20, as: Float.self))
  }
}

/// The six-row tile of the shallow tile loop: always 16 columns, so its write-back checks no column edge.
private struct F32ShallowTile6x16: F32RegisterTile {
  var tile = F32Tile6x16()

  @inline(__always)
  mutating func step(_ b: UnsafeRawPointer, _ a: UnsafeRawPointer, _ a3: UnsafeRawPointer, rowBytes: Int) {
    tile.stridedStep(b, a, a3, rowBytes: rowBytes)
  }

  @inline(__always)
  func write(to c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool) {
    tile.write(to: c, ldc: ldc, rows: rows, cols: F32GEMMTile.cols, accumulate: accumulate)
  }
}

/// One tile of ``f32_gemm_6x16_avx2(depth:a:aRowStride:aStep:b:bStep:c:ldc:rows:cols:accumulate:tiles:tileStrides:)``.
@inline(__always)
private func f32_gemm_6x16_tile(
  depth: Int, a: UnsafeRawPointer, aRowStride: Int, aStep: Int, b: UnsafePointer<Float>, bStep: Int,
  c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, accumulate: Bool
) {
  var t = F32Tile6x16()
  // C's rows lie a row stride apart, beyond what the hardware fetches ahead: ask for them now, so that
  // they arrive while the k loop runs (a loop long enough to hide the wait).
  if depth >= F32GEMMTile.prefetchCMinDepth {
    var row = UnsafePointer(c)
    for _ in 0..<rows {
      teenygrad_prefetch_16_floats_for_write(row)
      row += ldc
    }
  }
  let bStepBytes = bStep &* 4
  var pb = UnsafeRawPointer(b)
  var remaining = depth
  if aRowStride == 1 && aStep == F32GEMMTile.rows {
    // A packed micro-panel: the six A values of a k step are adjacent, at offsets known here.
    var pa = a
    let aBytes = F32GEMMTile.rows &* 4
    if bStep == F32GEMMTile.cols {
      // Both packed: four steps per pass, every load at a fixed offset from two pointers, so the loop's
      // own counting and branching stay a small part of it.
      let bBytes = F32GEMMTile.cols &* 4
      while remaining >= 4 {
        t.packedStep(pb, pa)
        t.packedStep(pb + bBytes, pa + aBytes)
        t.packedStep(pb + 2 &* bBytes, pa + 2 &* aBytes)
        t.packedStep(pb + 3 &* bBytes, pa + 3 &* aBytes)
        pb += 4 &* bBytes
        pa += 4 &* aBytes
        remaining &-= 4
      }
      while remaining > 0 {
        t.packedStep(pb, pa)
        pb += bBytes
        pa += aBytes
        remaining &-= 1
      }
    } else {
      // B read where it lies, a row stride per k step, often from memory (a weight gradient's long K): ask
      // for its rows a memory latency ahead.
      let ahead = bStepBytes &* F32GEMMTile.inPlaceBPrefetchSteps
      while remaining > 0 {
        teenygrad_prefetch_16_floats_for_read((pb + ahead).assumingMemoryBound(to: Float.self))
        t.packedStep(pb, pa)
        pb += bStepBytes
        pa += aBytes
        remaining &-= 1
      }
    }
  } else {
    // A read in place (``F32Tile6x16/stridedStep(_:_:_:rowBytes:)``).
    let rowBytes = aRowStride &* 4
    let stepBytes = aStep &* 4
    var pa = a
    var pa3 = pa + 3 &* rowBytes
    while remaining > 0 {
      t.stridedStep(pb, pa, pa3, rowBytes: rowBytes)
      pb += bStepBytes
      pa += stepBytes
      pa3 += stepBytes
      remaining &-= 1
    }
  }
  t.write(to: c, ldc: ldc, rows: rows, cols: cols, accumulate: accumulate)
}

/// Writes (or adds) 16 lanes to `dst`.
@inline(__always)
private func f32StoreRow16(
  _ lo: SIMD8<Float>, _ hi: SIMD8<Float>, to dst: UnsafeMutablePointer<Float>, accumulate: Bool
) {
  let raw = UnsafeMutableRawPointer(dst)
  var lo = lo, hi = hi
  if accumulate {
    lo += raw.loadUnaligned(as: SIMD8<Float>.self)
    hi += raw.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
  }
  raw.storeBytes(of: lo, as: SIMD8<Float>.self)
  raw.storeBytes(of: hi, toByteOffset: 32, as: SIMD8<Float>.self)
}

/// Writes (or adds) the first `cols` (< 16 allowed) of 16 lanes to `dst`.
@inline(__always)
private func f32StoreRowPartial(
  _ lo: SIMD8<Float>, _ hi: SIMD8<Float>, to dst: UnsafeMutablePointer<Float>, cols: Int,
  accumulate: Bool
) {
  if cols == 16 {
    f32StoreRow16(lo, hi, to: dst, accumulate: accumulate)
  } else if cols >= 8 {
    let raw = UnsafeMutableRawPointer(dst)
    var v = lo
    if accumulate { v += raw.loadUnaligned(as: SIMD8<Float>.self) }
    raw.storeBytes(of: v, as: SIMD8<Float>.self)
    f32StoreLanes(hi, to: dst + 8, count: cols &- 8, accumulate: accumulate)
  } else {
    f32StoreLanes(lo, to: dst, count: cols, accumulate: accumulate)
  }
}

/// Writes (or adds) the first `count` (0 to 7) lanes of `v` to `dst`: four as one vector, the rest one by
/// one. Not a masked store, which is microcoded and slow on AMD cores.
@inline(__always)
private func f32StoreLanes(_ v: SIMD8<Float>, to dst: UnsafeMutablePointer<Float>, count: Int, accumulate: Bool) {
  var rest = v.lowHalf
  var p = dst
  var left = count
  if left >= 4 {
    let raw = UnsafeMutableRawPointer(p)
    var q = rest
    if accumulate { q += raw.loadUnaligned(as: SIMD4<Float>.self) }
    raw.storeBytes(of: q, as: SIMD4<Float>.self)
    rest = v.highHalf
    p += 4
    left &-= 4
  }
  @inline(__always) func one(_ i: Int) { if accumulate { p[i] += rest[i] } else { p[i] = rest[i] } }
  if left >= 1 { one(0) }
  if left >= 2 { one(1) }
  if left >= 3 { one(2) }
}
