/// Copies blocks of strided A and B operands into the micro-panel layouts the GEMM micro-kernel reads.
///
/// A block (rows x depth) becomes ceil(rows / 6) micro-panels of depth x 6; a B block (depth x cols)
/// becomes ceil(cols / 16) micro-panels of depth x 16. Rows and columns past the block's edge are
/// zero, so edge tiles run the same loop as full ones.
enum GEMMPacking {
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
          // Adjacent lines, or a few runs of them (a panel across output rows of a conv window): a vector
          // copy per run.
          for p in 0..<depth {
            let s = x.base + stepOffsets[p], d = panel + p &* width
            for r in 0..<runs.count { copyRun(s + runs.offset[r], d + runs.start[r], runs.length[r]) }
          }
        } else {
          for p in 0..<depth {
            let s = x.base + stepOffsets[p], d = panel + p &* width
            for q in 0..<valid { d[q] = s[lineOffsets[q]] }
          }
        }
        panel += width &* depth
        l &+= width
      }
    }
  }

  /// A panel's lines cut into runs of adjacent offsets, when every run is long enough for vector copies.
  private struct Runs {
    var start = SIMD4<Int>(), length = SIMD4<Int>(), offset = SIMD4<Int>()
    var count = 0

    init?(_ offsets: UnsafePointer<Int>, count lines: Int) {
      var q = 0
      while q < lines {
        var end = q &+ 1
        while end < lines && offsets[end] == offsets[q] &+ (end &- q) { end &+= 1 }
        guard end &- q >= 4, count < 4 else { return nil }
        start[count] = q
        length[count] = end &- q
        offset[count] = offsets[q]
        count &+= 1
        q = end
      }
    }
  }

  /// Copies `n` (4 to 16) adjacent floats with two overlapping vector loads and stores, never touching memory
  /// outside the run.
  @inline(__always)
  private static func copyRun(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    if n >= 8 {
      let head = s.loadUnaligned(as: SIMD8<Float>.self), tail = s.loadUnaligned(fromByteOffset: (n &- 8) &* 4, as: SIMD8<Float>.self)
      d.storeBytes(of: head, as: SIMD8<Float>.self)
      d.storeBytes(of: tail, toByteOffset: (n &- 8) &* 4, as: SIMD8<Float>.self)
    } else {
      let head = s.loadUnaligned(as: SIMD4<Float>.self), tail = s.loadUnaligned(fromByteOffset: (n &- 4) &* 4, as: SIMD4<Float>.self)
      d.storeBytes(of: head, as: SIMD4<Float>.self)
      d.storeBytes(of: tail, toByteOffset: (n &- 4) &* 4, as: SIMD4<Float>.self)
    }
  }

  /// Six contiguous rows: each k step gathers one value from each row.
  @inline(__always)
  private static func packARowMajor(
    _ src: UnsafePointer<Float>, rowStride: Int, depth: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    let r0 = src, r1 = src + rowStride, r2 = src + 2 &* rowStride
    let r3 = src + 3 &* rowStride, r4 = src + 4 &* rowStride, r5 = src + 5 &* rowStride
    var d = dst
    for p in 0..<depth {
      d[0] = r0[p]; d[1] = r1[p]; d[2] = r2[p]
      d[3] = r3[p]; d[4] = r4[p]; d[5] = r5[p]
      d += 6
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


  /// Row-major B: each k step is two 8-lane vectors copied from one row.
  @inline(__always)
  private static func packBRowMajor(
    _ src: UnsafePointer<Float>, rowStride: Int, depth: Int, into dst: UnsafeMutablePointer<Float>
  ) {
    var s = UnsafeRawPointer(src)
    var d = UnsafeMutableRawPointer(dst)
    let step = rowStride &* MemoryLayout<Float>.stride
    for _ in 0..<depth {
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

}
