import CPrefetch

/// Copies blocks of strided A and B operands into the micro-panel layouts the GEMM micro-kernel reads.
///
/// A block (rows x depth) becomes ceil(rows / 6) micro-panels of depth x 6; a B block (depth x cols)
/// becomes ceil(cols / 16) micro-panels of depth x 16. Rows and columns past the block's edge are
/// zero, so edge tiles run the same loop as full ones.
enum GEMMPacking {
  /// Floats ahead along each of six A rows that packing asks for, 16 k steps at a time: the rows of an A read
  /// from memory (an im2col matrix) are six streams a row stride apart. 15488x288x64 at 1 thread, median of
  /// five interleaved runs: 13.1 ms against 14.9 ms asking for the current line; 2048^3 256 against 296 ms.
  static let aPrefetchFloats = 64
  /// Rows ahead that packing a row-major B's 16-column panel asks for: a panel walks B a row stride per step.
  /// Medians of four interleaved runs at 1 thread: 784x128x128 441 against 463 us without, 1024^3 40.0 against
  /// 42.2 ms.
  static let bPrefetchRows = 16

  /// Packs A[row0 ..< row0 + rows, col0 ..< col0 + depth] into `dst`, which holds
  /// `ceil(rows / 6) * 6 * depth` floats.
  static func packA(
    _ a: MatrixOperand, row0: Int, rows: Int, col0: Int, depth: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    let mr = F32GEMMTile.rows
    if !a.isStrided {
      packIndexed(a, lines: row0..<(row0 &+ rows), steps: col0..<(col0 &+ depth), width: mr, lineIsRow: true, into: dst)
      return
    }
    var panel = dst
    var i = 0
    while i < rows {
      let valid = min(mr, rows &- i)
      let src = a.base + ((row0 &+ i) &* a.rowStride &+ col0 &* a.colStride)
      if valid == mr && a.colStride == 1 {
        packARowMajor(src, rowStride: a.rowStride, depth: depth, into: panel)
      } else if valid == mr && a.rowStride == 1 {
        packAColumnMajor(src, colStride: a.colStride, depth: depth, into: panel)
      } else {
        packStrided(src, lineStride: a.rowStride, stepStride: a.colStride, width: mr, valid: valid, depth: depth, into: panel)
      }
      panel += mr &* depth
      i &+= mr
    }
  }

  /// Packs B[row0 ..< row0 + depth, col0 ..< col0 + cols] into `dst`, which holds
  /// `ceil(cols / 16) * 16 * depth` floats.
  static func packB(
    _ b: MatrixOperand, row0: Int, depth: Int, col0: Int, cols: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    let nr = F32GEMMTile.cols
    if !b.isStrided {
      packIndexed(b, lines: col0..<(col0 &+ cols), steps: row0..<(row0 &+ depth), width: nr, lineIsRow: false, into: dst)
      return
    }
    var panel = dst
    var j = 0
    while j < cols {
      let valid = min(nr, cols &- j)
      let src = b.base + (row0 &* b.rowStride &+ (col0 &+ j) &* b.colStride)
      if valid == nr && b.colStride == 1 {
        packBRowMajor(src, rowStride: b.rowStride, depth: depth, into: panel)
      } else if b.colStride == 1 {
        packBRowMajorPartial(src, rowStride: b.rowStride, valid: valid, depth: depth, into: panel)
      } else {
        packStrided(src, lineStride: b.colStride, stepStride: b.rowStride, width: nr, valid: valid, depth: depth, into: panel)
      }
      panel += nr &* depth
      j &+= nr
    }
  }

  /// An operand read through offset tables: panels of `width` lines (A rows or B columns) across `steps`
  /// (the K range). Each k step loads one value per line from that step's row (or column) start; a panel
  /// whose lines form at most four runs of adjacent offsets copies each run as vectors.
  private static func packIndexed(
    _ x: MatrixOperand, lines: Range<Int>, steps: Range<Int>, width: Int, lineIsRow: Bool,
    into dst: UnsafeMutablePointer<Float>
  ) {
    let depth = steps.count
    withUnsafeTemporaryAllocation(of: Int.self, capacity: depth &+ width) { scratch in
      let stepOffsets = scratch.baseAddress!, lineOffsets = stepOffsets + depth
      for (p, k) in steps.enumerated() { stepOffsets[p] = lineIsRow ? x.colOffset(k) : x.rowOffset(k) }
      var panel = dst
      var l = lines.lowerBound
      while l < lines.upperBound {
        let valid = min(width, lines.upperBound &- l)
        for q in 0..<valid { lineOffsets[q] = lineIsRow ? x.rowOffset(l &+ q) : x.colOffset(l &+ q) }
        if valid < width { panel.update(repeating: 0, count: width &* depth) }
        if let runs = Runs(lineOffsets, count: valid) {
          // Adjacent lines, or a few runs of them (a panel across output rows of a conv window): a copy per
          // run, with the runs' fields held in registers across the k steps.
          let n = runs.count, offset = runs.offset, start = runs.start, length = runs.length
          for p in 0..<depth {
            let s = x.base + stepOffsets[p], d = panel + p &* width
            copyRun(s + offset[0], d + start[0], length[0])
            if n > 1 { copyRun(s + offset[1], d + start[1], length[1]) }
            if n > 2 { copyRun(s + offset[2], d + start[2], length[2]) }
            if n > 3 { copyRun(s + offset[3], d + start[3], length[3]) }
          }
        } else {
          packTransposing(x.base, lineOffsets: lineOffsets, valid: valid, stepOffsets: stepOffsets, depth: depth,
                          width: width, into: panel)
        }
        panel += width &* depth
        l &+= width
      }
    }
  }

  /// Scattered lines: where eight consecutive k steps are adjacent in memory (a K axis that is contiguous
  /// within each line, as in a weight gradient's output-gradient operand), each group of eight lines loads
  /// eight steps as vectors and transposes them in registers; other steps load one value per line.
  private static func packTransposing(
    _ base: UnsafePointer<Float>, lineOffsets: UnsafePointer<Int>, valid: Int, stepOffsets: UnsafePointer<Int>,
    depth: Int, width: Int, into panel: UnsafeMutablePointer<Float>
  ) {
    var p = 0
    while p < depth {
      let first = stepOffsets[p]
      if p &+ 8 <= depth && (1..<8).allSatisfy({ stepOffsets[p &+ $0] == first &+ $0 }) {
        var group = 0
        while group < valid {
          transposeEight(base + first, lineOffsets: lineOffsets + group, lines: min(8, valid &- group),
                         into: panel + (p &* width &+ group), width: width, columns: min(8, width &- group))
          group &+= 8
        }
        p &+= 8
      } else {
        let s = base + first, d = panel + p &* width
        for q in 0..<valid { d[q] = s[lineOffsets[q]] }
        p &+= 1
      }
    }
  }

  /// Eight k steps of up to eight lines (missing lines read as zeros), transposed: step j's values go to
  /// `dst + j * width`, `columns` (6 or 8) of them.
  @inline(__always)
  static func transposeEight(
    _ src: UnsafePointer<Float>, lineOffsets: UnsafePointer<Int>, lines: Int,
    into dst: UnsafeMutablePointer<Float>, width: Int, columns: Int
  ) {
    @inline(__always) func row(_ q: Int) -> SIMD8<Float> {
      q < lines ? UnsafeRawPointer(src + lineOffsets[q]).loadUnaligned(as: SIMD8<Float>.self) : SIMD8<Float>()
    }
    @inline(__always) func low(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
      SIMD8(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5])
    }
    @inline(__always) func high(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
      SIMD8(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7])
    }
    @inline(__always) func lowPairs(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
      SIMD8(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5])
    }
    @inline(__always) func highPairs(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
      SIMD8(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7])
    }
    let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3), r4 = row(4), r5 = row(5), r6 = row(6), r7 = row(7)
    let t0 = low(r0, r1), t1 = high(r0, r1), t2 = low(r2, r3), t3 = high(r2, r3)
    let t4 = low(r4, r5), t5 = high(r4, r5), t6 = low(r6, r7), t7 = high(r6, r7)
    // u holds lines 0-3 (or 4-7) of steps (j, j + 4).
    let u0 = lowPairs(t0, t2), u1 = highPairs(t0, t2), u2 = lowPairs(t1, t3), u3 = highPairs(t1, t3)
    let u4 = lowPairs(t4, t6), u5 = highPairs(t4, t6), u6 = lowPairs(t5, t7), u7 = highPairs(t5, t7)
    let steps = (SIMD8(lowHalf: u0.lowHalf, highHalf: u4.lowHalf), SIMD8(lowHalf: u1.lowHalf, highHalf: u5.lowHalf),
                 SIMD8(lowHalf: u2.lowHalf, highHalf: u6.lowHalf), SIMD8(lowHalf: u3.lowHalf, highHalf: u7.lowHalf),
                 SIMD8(lowHalf: u0.highHalf, highHalf: u4.highHalf), SIMD8(lowHalf: u1.highHalf, highHalf: u5.highHalf),
                 SIMD8(lowHalf: u2.highHalf, highHalf: u6.highHalf), SIMD8(lowHalf: u3.highHalf, highHalf: u7.highHalf))
    @inline(__always) func store(_ v: SIMD8<Float>, _ j: Int) {
      let d = UnsafeMutableRawPointer(dst + j &* width)
      if columns == 8 {
        d.storeBytes(of: v, as: SIMD8<Float>.self)
      } else {
        d.storeBytes(of: v.lowHalf, as: SIMD4<Float>.self)
        d.storeBytes(of: SIMD2(v[4], v[5]), toByteOffset: 16, as: SIMD2<Float>.self)
      }
    }
    store(steps.0, 0); store(steps.1, 1); store(steps.2, 2); store(steps.3, 3)
    store(steps.4, 4); store(steps.5, 5); store(steps.6, 6); store(steps.7, 7)
  }

  /// A panel's lines cut into at most four runs of adjacent offsets. Runs shorter than four lines (a conv
  /// window's output row ending inside the panel) are copied one float at a time.
  private struct Runs {
    var start = SIMD4<Int>(), length = SIMD4<Int>(), offset = SIMD4<Int>()
    var count = 0

    init?(_ offsets: UnsafePointer<Int>, count lines: Int) {
      var q = 0
      while q < lines {
        var end = q &+ 1
        while end < lines && offsets[end] == offsets[q] &+ (end &- q) { end &+= 1 }
        guard count < 4 else { return nil }
        start[count] = q
        length[count] = end &- q
        offset[count] = offsets[q]
        count &+= 1
        q = end
      }
    }
  }

  /// Copies `n` (1 to 16) adjacent floats, from four on with two overlapping vector loads and stores, never
  /// touching memory outside the run.
  @inline(__always)
  private static func copyRun(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    if n < 4 {
      // Element by element: a loop here would become a call to memcpy.
      dst[0] = src[0]
      if n > 1 { dst[1] = src[1] }
      if n > 2 { dst[2] = src[2] }
    } else if n >= 8 {
      let head = s.loadUnaligned(as: SIMD8<Float>.self), tail = s.loadUnaligned(fromByteOffset: (n &- 8) &* 4, as: SIMD8<Float>.self)
      d.storeBytes(of: head, as: SIMD8<Float>.self)
      d.storeBytes(of: tail, toByteOffset: (n &- 8) &* 4, as: SIMD8<Float>.self)
    } else {
      let head = s.loadUnaligned(as: SIMD4<Float>.self), tail = s.loadUnaligned(fromByteOffset: (n &- 4) &* 4, as: SIMD4<Float>.self)
      d.storeBytes(of: head, as: SIMD4<Float>.self)
      d.storeBytes(of: tail, toByteOffset: (n &- 4) &* 4, as: SIMD4<Float>.self)
    }
  }

  /// Six contiguous rows: eight k steps at a time load eight floats from each row and transpose them in
  /// registers; steps past the last whole eight gather one value from each row. Each row's line
  /// ``aPrefetchFloats`` ahead is asked for once every 16 steps.
  @inline(__always)
  private static func packARowMajor(
    _ src: UnsafePointer<Float>, rowStride: Int, depth: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    let mr = F32GEMMTile.rows
    withUnsafeTemporaryAllocation(of: Int.self, capacity: mr) { lines in
      let lineOffsets = lines.baseAddress!
      for q in 0..<mr { lineOffsets[q] = q &* rowStride }
      var p = 0
      while p &+ 8 <= depth {
        if p & 15 == 0 {
          for q in 0..<mr { teenygrad_prefetch_for_read(src + (lineOffsets[q] &+ p &+ aPrefetchFloats)) }
        }
        transposeEight(src + p, lineOffsets: lineOffsets, lines: mr, into: dst + p &* mr, width: mr, columns: mr)
        p &+= 8
      }
      while p < depth {
        for q in 0..<mr { dst[p &* mr &+ q] = src[lineOffsets[q] &+ p] }
        p &+= 1
      }
    }
  }

  /// Column-major (transposed) A: each k step is six adjacent floats.
  @inline(__always)
  private static func packAColumnMajor(
    _ src: UnsafePointer<Float>, colStride: Int, depth: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    var s = src
    var d = dst
    for _ in 0..<depth {
      d[0] = s[0]; d[1] = s[1]; d[2] = s[2]
      d[3] = s[3]; d[4] = s[4]; d[5] = s[5]
      s += colStride
      d += 6
    }
  }

  /// Any strides, or fewer lines than the panel is wide: zero the panel, then copy each valid line (an A row
  /// or a B column) down its k steps. `lineStride` moves to the next line, `stepStride` to the next k.
  private static func packStrided(
    _ src: UnsafePointer<Float>, lineStride: Int, stepStride: Int, width: Int, valid: Int, depth: Int,
    into dst: UnsafeMutablePointer<Float>
  ) {
    if valid < width { dst.update(repeating: 0, count: width &* depth) }
    for line in 0..<valid {
      var s = src + line &* lineStride
      var d = dst + line
      for _ in 0..<depth {
        d.pointee = s.pointee
        s += stepStride
        d += width
      }
    }
  }


  /// Row-major B: each k step is two 8-lane vectors copied from one row; the row ``bPrefetchRows`` ahead is
  /// asked for.
  @inline(__always)
  private static func packBRowMajor(
    _ src: UnsafePointer<Float>, rowStride: Int, depth: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    var s = UnsafeRawPointer(src)
    var d = UnsafeMutableRawPointer(dst)
    let step = rowStride &* MemoryLayout<Float>.stride
    let ahead = step &* bPrefetchRows
    for _ in 0..<depth {
      teenygrad_prefetch_16_floats_for_read((s + ahead).assumingMemoryBound(to: Float.self))
      let lo = s.loadUnaligned(as: SIMD8<Float>.self)
      let hi = s.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
      d.storeBytes(of: lo, as: SIMD8<Float>.self)
      d.storeBytes(of: hi, toByteOffset: 32, as: SIMD8<Float>.self)
      s += step
      d += 64
    }
  }

  /// Row-major B with fewer than 16 columns left: zero the panel's row, then copy the valid columns.
  @inline(__always)
  private static func packBRowMajorPartial(
    _ src: UnsafePointer<Float>, rowStride: Int, valid: Int, depth: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    let zero = SIMD8<Float>()
    var s = src
    var d = dst
    for _ in 0..<depth {
      let raw = UnsafeMutableRawPointer(d)
      var j = 0
      if valid >= 8 {
        raw.storeBytes(of: UnsafeRawPointer(s).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        j = 8
      } else {
        raw.storeBytes(of: zero, as: SIMD8<Float>.self)
      }
      raw.storeBytes(of: zero, toByteOffset: 32, as: SIMD8<Float>.self)
      while j < valid {
        d[j] = s[j]
        j &+= 1
      }
      s += rowStride
      d += 16
    }
  }

  /// B's `cols` columns as rows of `depth` K-contiguous floats, `out[j * depth + p] = B[p][j]` with B offset by
  /// `batchOffset`: dot products along K then read each column as one run (``DotGEMM``).
  static func packColumnsAlongK(_ b: MatrixOperand, batchOffset: Int, cols: Int, depth: Int,
                                into out: UnsafeMutablePointer<Float>) {
    let base = b.base + batchOffset
    if b.isStrided && b.colStride == 1 {
      // Row-major B: blocks of 8 k steps by 8 columns transposed in registers, the rest one by one.
      let rowStride = b.rowStride
      withUnsafeTemporaryAllocation(of: Int.self, capacity: 8) { lines in
        let lineOffsets = lines.baseAddress!
        for q in 0..<8 { lineOffsets[q] = q &* rowStride }
        var p = 0
        while p &+ 8 <= depth {
          let rows = base + p &* rowStride
          var j = 0
          while j &+ 8 <= cols {
            transposeEight(rows + j, lineOffsets: lineOffsets, lines: 8, into: out + (j &* depth &+ p), width: depth,
                           columns: 8)
            j &+= 8
          }
          while j < cols {
            for q in 0..<8 { out[j &* depth &+ p &+ q] = rows[q &* rowStride &+ j] }
            j &+= 1
          }
          p &+= 8
        }
        while p < depth {
          for j in 0..<cols { out[j &* depth &+ p] = base[p &* rowStride &+ j] }
          p &+= 1
        }
      }
      return
    }
    for p in 0..<depth {
      let row = base + b.rowOffset(p)
      for j in 0..<cols { out[j &* depth &+ p] = row[b.colOffset(j)] }
    }
  }
}
