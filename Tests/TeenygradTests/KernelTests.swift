import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Teenygrad

/// Deterministic uniform floats in [-1, 1).
private struct KernelTestRandom {
  var state: UInt64

  mutating func next() -> Float {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Float(state >> 40) / Float(1 << 23) - 1
  }

  mutating func floats(_ count: Int) -> [Float] {
    (0..<count).map { _ in next() }
  }
}

/// Runs every index on the calling thread as worker 0, in order.
private func serialFor(_ count: Int, _ body: (Int, Int) -> Void) {
  for index in 0..<count { body(index, 0) }
}

/// Runs the indices backwards, spread over three worker ids, to show the result ignores the schedule.
private func scrambledFor(_ count: Int, _ body: (Int, Int) -> Void) {
  for index in (0..<count).reversed() { body(index, index % 3) }
}

/// Two real threads pulling indices from a shared counter, as the thread pool does.
private func twoThreadFor(_ count: Int, _ body: (Int, Int) -> Void) {
  let next = Atomic<Int>(0)
  withoutActuallyEscaping(body) { body in
    nonisolated(unsafe) let body = body
    DispatchQueue.concurrentPerform(iterations: 2) { worker in
      while true {
        let index = next.add(1, ordering: .relaxed).oldValue
        if index >= count { break }
        body(index, worker)
      }
    }
  }
}

/// Blocking small enough that modest shapes need several K blocks, A blocks and N tiles.
private let tinyBlocking = GEMMBlocking(l1: 1024, l2: 4096, l3: 1 << 16, minTileFlops: 1, maxTiles: 9)

/// Default caches but as many tiles as the panels allow, so that B is shared between many tiles.
private let manyTiles = GEMMBlocking(minTileFlops: 1, maxTiles: 64)

/// Error allowed for a sum of `depth` terms of magnitude up to 1.
private func tolerance(depth: Int) -> Float {
  2e-6 * Float(depth) + 1e-6
}

/// One strided GEMM problem with its own storage.
private struct GEMMCase: CustomStringConvertible {
  var batch = 1, m: Int, n: Int, k: Int
  var transposeA = false, transposeB = false
  var broadcastA = false, broadcastB = false
  var ldcPad = 0
  var accumulate = false
  var blocking = GEMMBlocking.default

  var description: String {
    "b\(batch) \(m)x\(k)@\(k)x\(n)\(transposeA ? " A^T" : "")\(transposeB ? " B^T" : "")"
      + "\(broadcastA ? " A-bcast" : "")\(broadcastB ? " B-bcast" : "")\(accumulate ? " +=" : "")"
  }

  /// C after the product, by ``GEMM`` through `parallel` or by the scalar reference.
  func compute(reference: Bool = false, parallel: ParallelFor = serialFor) -> [Float] {
    var random = KernelTestRandom(state: 1)
    let aBatches = broadcastA ? 1 : batch, bBatches = broadcastB ? 1 : batch
    let aData = random.floats(max(1, aBatches * m * k))
    let bData = random.floats(max(1, bBatches * k * n))
    let ldc = n + ldcPad
    var c = random.floats(batch * m * ldc)
    aData.withUnsafeBufferPointer { aBuf in
      bData.withUnsafeBufferPointer { bBuf in
        let a = transposeA
          ? MatrixOperand(base: aBuf.baseAddress!, rowStride: 1, colStride: m)
          : MatrixOperand(base: aBuf.baseAddress!, rowStride: k, colStride: 1)
        let b = transposeB
          ? MatrixOperand(base: bBuf.baseAddress!, rowStride: 1, colStride: k)
          : MatrixOperand(base: bBuf.baseAddress!, rowStride: n, colStride: 1)
        let aStride = broadcastA ? 0 : m * k, bStride = broadcastB ? 0 : k * n
        c.withUnsafeMutableBufferPointer { c in
          if reference {
            f32_sgemm_reference(batch: batch, m: m, n: n, k: k, a: a, aBatchStride: aStride, b: b,
                                bBatchStride: bStride, c: c.baseAddress!, ldc: ldc,
                                cBatchStride: m * ldc, accumulate: accumulate)
          } else {
            GEMM.sgemm(batch: batch, m: m, n: n, k: k, a: a, aBatchStride: aStride, b: b,
                       bBatchStride: bStride, c: c.baseAddress!, ldc: ldc, cBatchStride: m * ldc,
                       accumulate: accumulate, blocking: blocking, parallel: parallel)
          }
        }
      }
    }
    return c
  }

  func check() {
    let fast = compute(), reference = compute(reference: true)
    let tol = tolerance(depth: k)
    let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= tol, "\(self): max error \(worst) > \(tol)")
  }
}

@Suite("GEMM micro-kernel")
struct GEMMMicroKernelTests {
  @Test("6x16 AVX2 tile matches its reference on edge tiles", arguments: [0, 1, 5, 67, 256])
  func microKernelEdges(depth: Int) {
    var random = KernelTestRandom(state: UInt64(depth) + 7)
    let a = random.floats(max(1, depth * 6)), b = random.floats(max(1, depth * 16))
    let ldc = 19
    for rows in 1...6 {
      for cols in [1, 7, 8, 9, 15, 16] {
        for accumulate in [false, true] {
          let initial = random.floats(6 * ldc)
          var fast = initial, reference = initial
          f32_gemm_6x16_avx2(depth: depth, a: a, b: b, c: &fast, ldc: ldc, rows: rows, cols: cols,
                             accumulate: accumulate)
          f32_gemm_6x16_reference(depth: depth, a: a, b: b, c: &reference, ldc: ldc, rows: rows,
                                  cols: cols, accumulate: accumulate)
          for i in 0..<6 {
            for j in 0..<ldc {
              let index = i * ldc + j
              if i < rows && j < cols {
                #expect(abs(fast[index] - reference[index]) <= tolerance(depth: depth))
              } else {
                #expect(fast[index] == initial[index], "wrote outside the \(rows)x\(cols) tile")
              }
            }
          }
        }
      }
    }
  }

  @Test("6x16 AVX2 tile reads row-major and column-major A in place")
  func unpackedA() {
    var random = KernelTestRandom(state: 21)
    let depth = 37, lda = 41
    let a = random.floats(6 * lda + depth * lda), b = random.floats(depth * 16)
    // Six rows take the six-row loop, five and four their own loops.
    for rows in [6, 5, 4] {
      for (aRowStride, aStep) in [(lda, 1), (1, lda), (0, 1)] {
        var fast = [Float](repeating: 0, count: 6 * 16), reference = fast
        f32_gemm_6x16_avx2(depth: depth, a: a, aRowStride: aRowStride, aStep: aStep, b: b, c: &fast,
                           ldc: 16, rows: rows, cols: 16, accumulate: false)
        f32_gemm_6x16_reference(depth: depth, a: a, aRowStride: aRowStride, aStep: aStep, b: b,
                                c: &reference, ldc: 16, rows: rows, cols: 16, accumulate: false)
        let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= tolerance(depth: depth), "\(rows) rows, strides (\(aRowStride), \(aStep))")
      }
    }
  }

  @Test("A column of 6x16 tiles in one call equals one call per tile", arguments: [(9, 8, false), (10, 16, true)])
  func tileColumn(shape: (Int, Int, Bool)) {
    let (depth, cols, accumulate) = shape
    var random = KernelTestRandom(state: UInt64(depth * 100 + cols))
    let tiles = 4, lda = depth + 3, ldc = 21
    let a = random.floats(tiles * 6 * lda), b = random.floats(depth * 16)
    let start = random.floats(tiles * 6 * ldc)
    var column = start, perTile = start
    f32_gemm_6x16_avx2(depth: depth, a: a, aRowStride: lda, aStep: 1, b: b, c: &column, ldc: ldc, rows: 6,
                       cols: cols, accumulate: accumulate, tiles: tiles, tileStrides: (6 * lda, 0, 6 * ldc))
    for t in 0..<tiles {
      a.withUnsafeBufferPointer { a in
        perTile.withUnsafeMutableBufferPointer { c in
          f32_gemm_6x16_avx2(depth: depth, a: a.baseAddress! + 6 * t * lda, aRowStride: lda, aStep: 1, b: b,
                             c: c.baseAddress! + 6 * t * ldc, ldc: ldc, rows: 6, cols: cols, accumulate: accumulate)
        }
      }
    }
    #expect(column.map(\.bitPattern) == perTile.map(\.bitPattern))
    // Columns past `cols` keep their values.
    #expect((0..<(tiles * 6)).allSatisfy { r in (cols..<ldc).allSatisfy { column[r * ldc + $0] == start[r * ldc + $0] } })
    var reference = start
    f32_gemm_6x16_reference(depth: depth, a: a, aRowStride: lda, aStep: 1, b: b, c: &reference, ldc: ldc,
                            rows: 6, cols: cols, accumulate: accumulate)
    #expect((0..<6).allSatisfy { r in (0..<cols).allSatisfy {
      abs(column[r * ldc + $0] - reference[r * ldc + $0]) <= tolerance(depth: depth) } })
  }

  @Test("A row of 6x16 tiles in one call equals one call per tile", arguments: [(10, 6, false), (7, 4, true)])
  func tileRow(shape: (Int, Int, Bool)) {
    let (depth, rows, accumulate) = shape
    var random = KernelTestRandom(state: UInt64(depth * 10 + rows))
    let tiles = 3, ldc = tiles * 16 + 5
    // A packed micro-panel (zero past `rows`), B as `tiles` packed micro-panels one after another.
    var a = random.floats(6 * depth)
    for p in 0..<depth { for r in rows..<6 { a[p * 6 + r] = 0 } }
    let b = random.floats(tiles * 16 * depth), start = random.floats(6 * ldc)
    var row = start, perTile = start
    f32_gemm_6x16_avx2(depth: depth, a: a, b: b, c: &row, ldc: ldc, rows: rows, cols: 16, accumulate: accumulate,
                       tiles: tiles, tileStrides: (0, 16 * depth, 16))
    for t in 0..<tiles {
      b.withUnsafeBufferPointer { b in
        perTile.withUnsafeMutableBufferPointer { c in
          f32_gemm_6x16_avx2(depth: depth, a: a, b: b.baseAddress! + t * 16 * depth, c: c.baseAddress! + 16 * t,
                             ldc: ldc, rows: rows, cols: 16, accumulate: accumulate)
        }
      }
    }
    #expect(row.map(\.bitPattern) == perTile.map(\.bitPattern))
    // Rows past `rows` and columns past the tiles keep their values.
    #expect((0..<6).allSatisfy { r in (0..<ldc).allSatisfy { (r < rows && $0 < 16 * tiles) || row[r * ldc + $0] == start[r * ldc + $0] } })
    // Every tile against the scalar reference.
    var reference = start
    for t in 0..<tiles {
      b.withUnsafeBufferPointer { b in
        reference.withUnsafeMutableBufferPointer { c in
          f32_gemm_6x16_reference(depth: depth, a: a, b: b.baseAddress! + t * 16 * depth, c: c.baseAddress! + 16 * t,
                                  ldc: ldc, rows: rows, cols: 16, accumulate: accumulate)
        }
      }
    }
    #expect(zip(row, reference).allSatisfy { abs($0 - $1) <= tolerance(depth: depth) })
  }

  @Test("6x16 AVX2 tile reads a row-major B in place", arguments: [0, 1, 9, 40])
  func unpackedB(depth: Int) {
    var random = KernelTestRandom(state: UInt64(depth) + 31)
    let ldb = 43
    let a = random.floats(max(1, depth * 6)), b = random.floats(max(1, depth * ldb))
    var fast = [Float](repeating: 0, count: 6 * 16), reference = fast
    f32_gemm_6x16_avx2(depth: depth, a: a, b: b, bStep: ldb, c: &fast, ldc: 16, rows: 6, cols: 16, accumulate: false)
    f32_gemm_6x16_reference(depth: depth, a: a, b: b, bStep: ldb, c: &reference, ldc: 16, rows: 6, cols: 16,
                            accumulate: false)
    let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= tolerance(depth: depth))
  }
}

@Suite("GEMM packing")
struct GEMMPackingTests {
  private static let layouts: [(String, Int, Int)] = [
    ("row-major", 23, 1), ("column-major", 1, 29), ("strided", 31, 2), ("broadcast rows", 0, 1),
    ("broadcast cols", 23, 0),
  ]

  @Test("A panels hold six rows per k step, zero-padded")
  func packA() {
    var random = KernelTestRandom(state: 3)
    let data = random.floats(2000)
    for (name, rowStride, colStride) in Self.layouts {
      let a = data.withUnsafeBufferPointer {
        MatrixOperand(base: $0.baseAddress!, rowStride: rowStride, colStride: colStride)
      }
      for (rows, depth) in [(1, 1), (6, 5), (13, 7), (12, 20)] {
        let panels = (rows + 5) / 6
        var packed = [Float](repeating: .nan, count: panels * 6 * depth)
        packed.withUnsafeMutableBufferPointer {
          GEMMPacking.packA(a, row0: 2, rows: rows, col0: 3, depth: depth, into: $0.baseAddress!)
        }
        for q in 0..<panels {
          for p in 0..<depth {
            for r in 0..<6 {
              let row = q * 6 + r
              let expected: Float = row < rows ? a[2 + row, 3 + p] : 0
              #expect(packed[(q * depth + p) * 6 + r] == expected, "\(name) \(rows)x\(depth)")
            }
          }
        }
      }
    }
  }

  @Test("B panels hold sixteen columns per k step, zero-padded")
  func packB() {
    var random = KernelTestRandom(state: 4)
    let data = random.floats(4000)
    for (name, rowStride, colStride) in Self.layouts {
      let b = data.withUnsafeBufferPointer {
        MatrixOperand(base: $0.baseAddress!, rowStride: rowStride, colStride: colStride)
      }
      for (depth, cols) in [(1, 1), (5, 16), (7, 27), (3, 32)] {
        let panels = (cols + 15) / 16
        var packed = [Float](repeating: .nan, count: panels * 16 * depth)
        packed.withUnsafeMutableBufferPointer {
          GEMMPacking.packB(b, row0: 1, depth: depth, col0: 2, cols: cols, into: $0.baseAddress!)
        }
        for q in 0..<panels {
          for p in 0..<depth {
            for c in 0..<16 {
              let col = q * 16 + c
              let expected: Float = col < cols ? b[1 + p, 2 + col] : 0
              #expect(packed[(q * depth + p) * 16 + c] == expected, "\(name) \(depth)x\(cols)")
            }
          }
        }
      }
    }
  }

  /// K steps in runs of 11 adjacent floats (a conv's image rows, 13 floats apart) and scattered columns: the
  /// first eight steps of a run pack as one transposed group, the rest one value per column.
  @Test("B panels through offset tables with runs of adjacent k steps", arguments: [0, 3, 8, 10])
  func packBThroughRunsOfSteps(row0: Int) {
    var random = KernelTestRandom(state: 6)
    let data = random.floats(6000)
    let rowOffsets = (0..<80).map { $0 / 11 * 13 + $0 % 11 }, colOffsets = (0..<21).map { $0 * 257 + ($0 % 3) * 5 }
    for (depth, cols) in [(1, 16), (7, 16), (11, 21), (25, 16), (80 - row0, 19)] {
      expectPackedB(data, rowOffsets: rowOffsets, colOffsets: colOffsets, row0: row0, depth: depth, col0: 0, cols: cols,
                    "row0 \(row0) \(depth)x\(cols)")
    }
  }

  /// Columns in runs of adjacent floats (a conv's output pixels: rows of `width` pixels, 13 floats apart), cut by
  /// the panel's edges into runs of one to eleven columns, and rows scattered: each run copies as a block.
  @Test("B panels through offset tables whose columns form short and long runs", arguments: [11, 3, 2, 1])
  func packBThroughRunsOfColumns(width: Int) {
    var random = KernelTestRandom(state: 7)
    let data = random.floats(9000)
    let rowOffsets = (0..<9).map { $0 * 601 + ($0 % 2) * 3 }, colOffsets = (0..<60).map { $0 / width * 13 + $0 % width }
    for col0 in 0..<13 {
      expectPackedB(data, rowOffsets: rowOffsets, colOffsets: colOffsets, row0: 0, depth: 9, col0: col0, cols: 60 - col0,
                    "width \(width) col0 \(col0)")
    }
  }

  /// Packs B rows `row0 ..< row0 + depth` and columns `col0 ..< col0 + cols` of `data` read through the offset
  /// tables, and expects each panel float to be the element it stands for (zero past the last column).
  private func expectPackedB(_ data: [Float], rowOffsets: [Int], colOffsets: [Int], row0: Int, depth: Int, col0: Int,
                             cols: Int, _ label: String) {
    data.withUnsafeBufferPointer { d in
      rowOffsets.withUnsafeBufferPointer { ro in
        colOffsets.withUnsafeBufferPointer { co in
          let b = MatrixOperand(base: d.baseAddress!, rowStride: 0, colStride: 0, rowOffsets: ro.baseAddress,
                                colOffsets: co.baseAddress)
          let panels = (cols + 15) / 16
          var packed = [Float](repeating: .nan, count: panels * 16 * depth)
          packed.withUnsafeMutableBufferPointer {
            GEMMPacking.packB(b, row0: row0, depth: depth, col0: col0, cols: cols, into: $0.baseAddress!)
          }
          for q in 0..<panels {
            for p in 0..<depth {
              for c in 0..<16 {
                let col = q * 16 + c
                let expected: Float = col < cols ? d[b.rowOffset(row0 + p) + b.colOffset(col0 + col)] : 0
                #expect(packed[(q * depth + p) * 16 + c] == expected, "\(label) at \(p), \(col)")
              }
            }
          }
        }
      }
    }
  }

  @Test("B columns copied K-contiguous, through strides and through offset tables")
  func packColumnsAlongK() {
    var random = KernelTestRandom(state: 5)
    let data = random.floats(4000)
    // Row offsets scattered as a gathered operand's would be; columns two floats apart.
    let rowOffsets = (0..<40).map { ($0 % 7) * 300 + $0 / 7 * 41 }, colOffsets = (0..<12).map { 2 * $0 }
    for (depth, cols) in [(1, 1), (8, 8), (19, 9), (33, 12), (40, 3)] {
      var layouts = Self.layouts.map { ($0.0, $0.1, $0.2, false) }
      layouts.append(("offset tables", 0, 0, true))
      for (name, rowStride, colStride, indexed) in layouts {
        data.withUnsafeBufferPointer { d in
          rowOffsets.withUnsafeBufferPointer { ro in
            colOffsets.withUnsafeBufferPointer { co in
              let b = MatrixOperand(base: d.baseAddress!, rowStride: rowStride, colStride: colStride,
                                    rowOffsets: indexed ? ro.baseAddress : nil, colOffsets: indexed ? co.baseAddress : nil)
              var copy = [Float](repeating: .nan, count: cols * depth)
              copy.withUnsafeMutableBufferPointer {
                GEMMPacking.packColumnsAlongK(b, batchOffset: 3, cols: cols, depth: depth, into: $0.baseAddress!)
              }
              for j in 0..<cols {
                for p in 0..<depth {
                  #expect(copy[j * depth + p] == d[3 + b.rowOffset(p) + b.colOffset(j)], "\(name) \(depth)x\(cols)")
                }
              }
            }
          }
        }
      }
    }
  }
}

@Suite("GEMM driver")
struct GEMMDriverTests {
  @Test("Small and odd shapes match the reference")
  func oddShapes() {
    for (m, n, k) in [(1, 1, 1), (5, 7, 3), (6, 16, 1), (7, 17, 2), (1, 40, 9), (40, 1, 9),
                      (131, 257, 67), (13, 300, 600), (64, 48, 257)] {
      for blocking in [GEMMBlocking.default, tinyBlocking, manyTiles] {
        GEMMCase(m: m, n: n, k: k, blocking: blocking).check()
      }
    }
  }

  @Test("Transposed, strided and broadcast operands")
  func layouts() {
    for transposeA in [false, true] {
      for transposeB in [false, true] {
        GEMMCase(m: 37, n: 45, k: 29, transposeA: transposeA, transposeB: transposeB, ldcPad: 3).check()
        GEMMCase(m: 37, n: 45, k: 29, transposeA: transposeA, transposeB: transposeB, ldcPad: 3,
                 blocking: tinyBlocking).check()
      }
    }
    var broadcastRows = GEMMCase(m: 9, n: 21, k: 11)
    broadcastRows.broadcastA = true
    broadcastRows.batch = 3
    broadcastRows.check()
  }

  @Test("Broadcast rows and columns inside one operand (stride 0)")
  func zeroStrides() {
    let m = 10, n = 19, k = 13
    var random = KernelTestRandom(state: 9)
    let aRow = random.floats(k), bCol = random.floats(k)
    var fast = [Float](repeating: 0, count: m * n)
    var reference = fast
    aRow.withUnsafeBufferPointer { aBuf in
      bCol.withUnsafeBufferPointer { bBuf in
        let a = MatrixOperand(base: aBuf.baseAddress!, rowStride: 0, colStride: 1)
        let b = MatrixOperand(base: bBuf.baseAddress!, rowStride: 1, colStride: 0)
        let tiles = fast.withUnsafeMutableBufferPointer { c in
          GEMM.sgemm(batch: 1, m: m, n: n, k: k, a: a, aBatchStride: 0, b: b, bBatchStride: 0,
                     c: c.baseAddress!, ldc: n, cBatchStride: 0, accumulate: false, parallel: serialFor)
        }
        #expect(tiles == GEMMPlan(batch: 1, m: m, n: n, k: k, blocking: .default).tileCount)
        reference.withUnsafeMutableBufferPointer { c in
          f32_sgemm_reference(batch: 1, m: m, n: n, k: k, a: a, aBatchStride: 0, b: b, bBatchStride: 0,
                              c: c.baseAddress!, ldc: n, cBatchStride: 0, accumulate: false)
        }
      }
    }
    for (x, y) in zip(fast, reference) { #expect(abs(x - y) <= tolerance(depth: k)) }
  }

  @Test("Narrow products (one B micro-panel) read A in place, edge rows packed")
  func narrow() {
    for (m, n) in [(31, 10), (6, 16), (5, 1), (100, 8)] {
      for transposeA in [false, true] {
        GEMMCase(m: m, n: n, k: 300, transposeA: transposeA, ldcPad: 2).check()
        GEMMCase(m: m, n: n, k: 70, transposeA: transposeA, accumulate: true, blocking: tinyBlocking).check()
      }
    }
  }

  @Test("A small strided A is read in place, only a last partial panel of fewer than four rows packed")
  func smallAInPlace() {
    let one: [Float] = [1]
    one.withUnsafeBufferPointer { p in
      let rowMajor = MatrixOperand(base: p.baseAddress!, rowStride: 784, colStride: 1)
      #expect(GEMM.readsAInPlace(rowMajor, m: 128, n: 128, k: 784))
      #expect(!GEMM.readsAInPlace(rowMajor, m: 128, n: 784, k: 128))
      #expect(!GEMM.readsAInPlace(rowMajor, m: 1024, n: 128, k: 1024))
    }
    // Row- and column-major A, edge rows (four, five and one left after six-row panels), several K blocks
    // (tiny blocking), one and two threads; 10 x 128 x 400 and 11 x 128 x 400 run their tiles along rows.
    for (m, n, k, transposeA) in [(100, 70, 600, false), (131, 40, 67, true), (13, 300, 600, false), (7, 33, 5, true),
                                  (10, 400, 128, false), (11, 400, 128, true), (4, 150, 40, false)] {
      #expect(n <= GEMM.inPlaceAMaxColumns && m * k <= GEMM.inPlaceAMaxFloats)
      for blocking in [GEMMBlocking.default, tinyBlocking, .forThreads(1), .forThreads(2)] {
        let testCase = GEMMCase(m: m, n: n, k: k, transposeA: transposeA, ldcPad: 2, blocking: blocking)
        testCase.check()
        #expect(testCase.compute(parallel: twoThreadFor) == testCase.compute(), "\(testCase)")
      }
    }
    GEMMCase(batch: 3, m: 25, n: 40, k: 70, transposeA: true, accumulate: true).check()
  }

  @Test("Batches, batch broadcast and accumulation")
  func batches() {
    GEMMCase(batch: 4, m: 20, n: 33, k: 17).check()
    GEMMCase(batch: 3, m: 20, n: 33, k: 17, broadcastB: true).check()
    GEMMCase(batch: 2, m: 8, n: 30, k: 300, transposeB: true, accumulate: true).check()
    GEMMCase(m: 50, n: 70, k: 700, accumulate: true).check()
    GEMMCase(batch: 3, m: 20, n: 33, k: 70, broadcastA: true, accumulate: true, blocking: tinyBlocking).check()
    // A broadcast over the batch is packed once; several K blocks and wide tiles read it from there.
    GEMMCase(batch: 3, m: 20, n: 70, k: 600, broadcastA: true).check()
    GEMMCase(batch: 2, m: 64, n: 121, k: 288, broadcastA: true, accumulate: true).check()
    GEMMCase(batch: 3, m: 40, n: 33, k: 300, blocking: manyTiles).check()
    GEMMCase(batch: 3, m: 40, n: 300, k: 30, transposeB: true, broadcastB: true, blocking: manyTiles).check()
  }

  @Test("k == 0 zeroes C, or leaves it when accumulating")
  func emptyDepth() {
    let fast = GEMMCase(batch: 2, m: 3, n: 5, k: 0, ldcPad: 2).compute()
    for q in 0..<2 {
      for i in 0..<3 {
        for j in 0..<5 { #expect(fast[(q * 3 + i) * 7 + j] == 0) }
      }
    }
    let kept = GEMMCase(m: 3, n: 5, k: 0, accumulate: true)
    #expect(kept.compute() == kept.compute(reference: true))
  }

  @Test("MNIST-sized products and their backward products")
  func mnistShapes() {
    GEMMCase(m: 128, n: 128, k: 784).check()
    GEMMCase(m: 128, n: 10, k: 400).check()
    GEMMCase(m: 2 * 26 * 26, n: 8, k: 9).check()
    GEMMCase(m: 2 * 11 * 11, n: 16, k: 72).check()
    GEMMCase(m: 784, n: 128, k: 128, transposeA: true).check()
    GEMMCase(m: 128, n: 784, k: 10, transposeB: true).check()
    GEMMCase(m: 9, n: 8, k: 4 * 26 * 26, transposeA: true).check()
    GEMMCase(m: 72, n: 16, k: 4 * 11 * 11, transposeA: true).check()
  }

  @Test("Results are bitwise identical for any schedule and thread count")
  func determinism() {
    let fine = GEMMBlocking(l1: 8192, l2: 65536, l3: 1 << 20, minTileFlops: 1, maxTiles: 64)
    var cases = [
      GEMMCase(m: 150, n: 100, k: 600), GEMMCase(m: 2 * 26 * 26, n: 8, k: 9),
      GEMMCase(batch: 5, m: 30, n: 40, k: 50, transposeA: true), GEMMCase(m: 9, n: 8, k: 4000, transposeA: true),
    ]
    cases += cases.map { var fineCase = $0; fineCase.blocking = fine; return fineCase }
    for testCase in cases {
      let plan = GEMMPlan(batch: testCase.batch, m: testCase.m, n: testCase.n, k: testCase.k,
                          blocking: testCase.blocking)
      let serial = testCase.compute()
      #expect(testCase.compute(parallel: scrambledFor) == serial, "\(testCase), \(plan.tileCount) tiles")
      #expect(testCase.compute(parallel: twoThreadFor) == serial, "\(testCase), \(plan.tileCount) tiles")
    }
    // A finer cut changes only which thread computes a tile, not the sums, while K blocks agree.
    let coarse = GEMMCase(m: 150, n: 100, k: 200)
    var finer = coarse
    finer.blocking = GEMMBlocking(minTileFlops: 1, maxTiles: 64)
    #expect(coarse.compute() == finer.compute())
  }

  @Test("Concurrent calls do not share scratch")
  func concurrentCalls() {
    let testCase = GEMMCase(m: 100, n: 90, k: 300)
    let expected = testCase.compute()
    let mismatches = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: 4) { _ in
      if testCase.compute(parallel: twoThreadFor) != expected {
        mismatches.add(1, ordering: .relaxed)
      }
    }
    #expect(mismatches.load(ordering: .relaxed) == 0)
  }
}

@Suite("GEMM plan")
struct GEMMPlanTests {
  @Test("Tiles cover C exactly once and K blocks cover K in order")
  func partition() {
    let blocking = GEMMBlocking(l1: 4096, l2: 16384, l3: 1 << 18, minTileFlops: 1 << 12, maxTiles: 7)
    for (batch, m, n, k) in [(1, 1, 1, 1), (1, 131, 257, 67), (3, 50, 9, 1000), (2, 7, 2000, 33),
                             (1, 86528, 8, 9), (1, 9, 8, 86528)] {
      for blocking in [blocking, .default] {
        let plan = GEMMPlan(batch: batch, m: m, n: n, k: k, blocking: blocking)
        var covered = [Int](repeating: 0, count: batch * m * n)
        for index in 0..<plan.tileCount {
          let (q, rows, cols) = plan.tile(index)
          #expect(rows.lowerBound % F32GEMMTile.rows == 0 && cols.lowerBound % F32GEMMTile.cols == 0)
          #expect(plan.sharesB || cols.count <= blocking.nc)
          let blocks = plan.rowBlockCount(rows)
          var next = rows.lowerBound
          for block in 0..<blocks {
            let blockRows = plan.rowBlock(block, of: rows, count: blocks)
            #expect(blockRows.lowerBound == next && blockRows.count <= blocking.mc)
            next = blockRows.upperBound
          }
          #expect(next == rows.upperBound)
          for i in rows { for j in cols { covered[(q * m + i) * n + j] += 1 } }
        }
        #expect(covered.allSatisfy { $0 == 1 }, "b\(batch) \(m)x\(n)x\(k)")
        var depth = 0
        for q in 0..<plan.kBlocks {
          #expect(plan.kRange(q).lowerBound == depth && plan.kRange(q).count <= blocking.kc)
          depth = plan.kRange(q).upperBound
        }
        #expect(depth == k)
      }
    }
  }

  @Test("Small-M products still give two threads work")
  func smallM() {
    #expect(GEMMPlan(batch: 1, m: 128, n: 128, k: 784, blocking: .default).tileCount >= 4)
    #expect(GEMMPlan(batch: 1, m: 9, n: 8, k: 86528, blocking: .default).tileCount == 2)
    // A linear layer's input gradient (1 MFLOP) is under `minTileFlops` but still takes both threads;
    // 64³ (exactly `minParallelFlops`) and anything on one thread stay whole.
    #expect(GEMMPlan(batch: 1, m: 128, n: 400, k: 10, blocking: .forThreads(2)).tileCount == 2)
    #expect(GEMMPlan(batch: 1, m: 128, n: 400, k: 10, blocking: .forThreads(1)).tileCount == 1)
    #expect(GEMMPlan(batch: 1, m: 64, n: 64, k: 64, blocking: .forThreads(2)).tileCount == 1)
  }

  @Test("tiles that pack their own operands stay near the thread count; shared-B tiles on one thread do not")
  func repackingTiles() {
    // conv2's weight gradient (B too large to share): one tile on one thread, so A and B are packed once.
    let weightGradient = (m: 64, n: 288, k: 15488)
    let single = GEMMPlan(batch: 1, m: weightGradient.m, n: weightGradient.n, k: weightGradient.k,
                          blocking: .forThreads(1))
    #expect(!single.sharesB && single.mTiles == 1 && single.nTiles == 1)
    let two = GEMMPlan(batch: 1, m: weightGradient.m, n: weightGradient.n, k: weightGradient.k,
                       blocking: .forThreads(2))
    #expect(two.mTiles * two.nTiles == 2 && two.mTiles == 1)
    // A square product on two threads: one tile per thread, each packing its own B. On one thread four
    // taller tiles share one packed B.
    let square = GEMMPlan(batch: 1, m: 1024, n: 1024, k: 1024, blocking: .forThreads(2))
    #expect(!square.sharesB && square.tileCount == 2)
    let squareSingle = GEMMPlan(batch: 1, m: 1024, n: 1024, k: 1024, blocking: .forThreads(1))
    #expect(squareSingle.sharesB && squareSingle.tileCount == GEMMBlocking.singleThreadMaxTiles)
    // A scatter product (conv's input gradient) is cut the same way at every thread count: its cut decides
    // the order in which overlapping windows add up.
    let scatter = { (threads: Int) in
      GEMMPlan(batch: 1, m: 15488, n: 8 * 9, k: 16, blocking: .forThreads(threads), columnGroup: 9)
    }
    #expect(scatter(1) == scatter(2) && scatter(1).tileCount > GEMMBlocking.singleThreadMaxTiles)
  }

  @Test("B is shared when several M tiles on one thread read it and it fits, packed per tile otherwise")
  func sharing() {
    // 784x128 (400 KB packed) is over half of L2: small tiles would each read it from L3, so a few taller
    // tiles pack it themselves; 256x256 (256 KB) stays shared between the tiles of one thread. On several
    // threads every tile packs its own.
    #expect(!GEMMPlan(batch: 1, m: 128, n: 128, k: 784, blocking: .default).sharesB)
    #expect(!GEMMPlan(batch: 1, m: 128, n: 128, k: 784, blocking: .forThreads(2)).sharesB)
    #expect(GEMMPlan(batch: 1, m: 128, n: 128, k: 784, blocking: .forThreads(1)).sharesB)
    #expect(GEMMPlan(batch: 1, m: 256, n: 256, k: 256, blocking: .forThreads(1)).sharesB)
    #expect(!GEMMPlan(batch: 1, m: 256, n: 256, k: 256, blocking: .forThreads(2)).sharesB)
    #expect(GEMMPlan(batch: 1, m: 256, n: 256, k: 256, blocking: .default).sharesB)
    #expect(GEMMPlan(batch: 1, m: 1024, n: 1024, k: 1024, blocking: .default).sharesB)
    #expect(!GEMMPlan(batch: 1, m: 9, n: 8, k: 86528, blocking: .default).sharesB)
    #expect(!GEMMPlan(batch: 1, m: 4096, n: 4096, k: 4096, blocking: .default).sharesB)
    // A weight gradient's long-K product: B (5.5 MB packed) would be read from L3 by tiles of six rows each.
    #expect(!GEMMPlan(batch: 1, m: 32, n: 9, k: 86528, blocking: .default).sharesB)
    let batched = GEMMPlan(batch: 3, m: 40, n: 33, k: 300, bMatrices: 3, blocking: manyTiles)
    #expect(batched.sharesB && batched.packTaskCount == 3 * batched.kBlocks * 1)
    var packed = Set<Int>()
    for task in 0..<batched.packTaskCount {
      let (matrix, kBlock, cols) = batched.packTask(task)
      #expect(cols == 0..<33)
      packed.insert(batched.sharedBOffset(matrix: matrix, kBlock: kBlock, panel: 0))
    }
    #expect(packed.count == batched.packTaskCount && packed.max()! < batched.sharedBFloats)
  }

  @Test("A small B with contiguous rows is read in place, neither shared nor packed")
  func smallBInPlace() {
    let plan = { (m: Int, k: Int, n: Int, rowMajor: Bool, threads: Int) in
      GEMMPlan(batch: 1, m: m, n: n, k: k, bRowMajor: rowMajor, blocking: .forThreads(threads))
    }
    // A linear layer's input gradient (B 10x400) and TinyConvNet's conv1 input gradient (B 8x9): in place
    // at any height, on one thread or two.
    for threads in [1, 2] {
      let linear = plan(128, 10, 400, true, threads), conv = plan(86528, 8, 9, true, threads)
      #expect(linear.readsBInPlace && !linear.sharesB && conv.readsBInPlace && !conv.sharesB)
      #expect(linear.bScratchFloats > 0)
    }
    // 64x400 (25600 floats) meets A in one L2 block when m is at most `mc`, not beyond it.
    let blocking = GEMMBlocking.forThreads(2)
    #expect(plan(blocking.mc, 64, 400, true, 2).readsBInPlace)
    #expect(!plan(blocking.mc + 1, 64, 400, true, 2).readsBInPlace)
    #expect(!plan(128, 128, 784, true, 2).readsBInPlace)
    // Columns not contiguous: packed as before.
    #expect(!plan(128, 10, 400, false, 2).readsBInPlace)
    // In place in every tile, with a partial last micro-panel, against the reference: tall tiles, many
    // tiles, and one thread's tiles that would otherwise share a packed B.
    for (m, n, k) in [(200, 37, 40), (97, 130, 60), (300, 9, 11)] {
      for blocking in [GEMMBlocking.default, manyTiles, .forThreads(1), .forThreads(2)] {
        let testCase = GEMMCase(m: m, n: n, k: k, ldcPad: 1, blocking: blocking)
        #expect(GEMMPlan(batch: 1, m: m, n: n, k: k, bRowMajor: true, blocking: blocking).readsBInPlace)
        testCase.check()
        #expect(testCase.compute(parallel: twoThreadFor) == testCase.compute(), "\(testCase)")
      }
    }
  }
}

@Suite("Micro-kernel registry")
struct MicroKernelRegistryTests {
  @Test("Names are unique and every kind is present")
  func names() {
    let names = MicroKernelRegistry.all.map(\.name)
    #expect(Set(names).count == names.count)
    #expect(MicroKernelRegistry.all.contains { $0.kind == .gemm })
    #expect(MicroKernelRegistry.all.contains { $0.kind == .reduce })
    #expect(MicroKernelRegistry.named("f32_gemm_6x16_avx2")?.flops(10) == 1920)
  }

  @Test("Every kernel matches its reference twin",
        arguments: MicroKernelRegistry.all.map(\.name), [0, 1, 7, 8, 31, 33, 100, 1000])
  func matchesReference(name: String, depth: Int) throws {
    let kernel = try #require(MicroKernelRegistry.named(name))
    var random = KernelTestRandom(state: UInt64(depth) * 31 + 5)
    let a = random.floats(max(1, kernel.aCount(depth))), b = random.floats(max(1, kernel.bCount(depth)))
    let (fast, reference) = runBoth(kernel, depth: depth, a: a, b: b)
    for (x, y) in zip(fast, reference) {
      #expect(x == y || abs(x - y) <= tolerance(depth: depth), "\(name) depth \(depth)")
    }
  }

  @Test("Max kernels propagate NaN and strided sums keep the scalar order")
  func specialValues() throws {
    let depth = 45
    for name in ["f32_reduce_max_avx2", "f32_reduce_max_strided_avx2"] {
      let kernel = try #require(MicroKernelRegistry.named(name))
      for position in [0, 8, 37, kernel.aCount(depth) - 1] {
        var random = KernelTestRandom(state: 11)
        var a = random.floats(kernel.aCount(depth))
        a[position] = .nan
        let (fast, reference) = runBoth(kernel, depth: depth, a: a, b: [0])
        #expect(zip(fast, reference).allSatisfy { $0.isNaN == $1.isNaN && ($0.isNaN || $0 == $1) })
        #expect(fast.contains { $0.isNaN })
      }
      let (empty, _) = runBoth(kernel, depth: 0, a: [0], b: [0])
      #expect(empty.allSatisfy { $0 == -.infinity })
    }
    let strided = try #require(MicroKernelRegistry.named("f32_reduce_sum_strided_avx2"))
    var random = KernelTestRandom(state: 12)
    let a = random.floats(strided.aCount(300))
    let (fast, reference) = runBoth(strided, depth: 300, a: a, b: [0])
    #expect(fast == reference)
  }

  @Test("Strided reduces handle any column count and a wider row stride")
  func stridedColumns() {
    var random = KernelTestRandom(state: 13)
    for cols in [1, 7, 8, 9, 32, 33, 45, 80] {
      let rows = 17, rowStride = cols + 5
      let x = random.floats(rows * rowStride)
      var fast = [Float](repeating: 0, count: cols), reference = fast
      x.withUnsafeBufferPointer { x in
        f32_reduce_sum_strided_avx2(x.baseAddress!, rows: rows, rowStride: rowStride, cols: cols, out: &fast)
        f32_reduce_sum_strided_reference(x.baseAddress!, rows: rows, rowStride: rowStride, cols: cols,
                                         out: &reference)
      }
      #expect(fast == reference)
      x.withUnsafeBufferPointer { x in
        f32_reduce_max_strided_avx2(x.baseAddress!, rows: rows, rowStride: rowStride, cols: cols, out: &fast)
        f32_reduce_max_strided_reference(x.baseAddress!, rows: rows, rowStride: rowStride, cols: cols,
                                         out: &reference)
      }
      #expect(fast == reference)
    }
  }

  private func runBoth(_ kernel: MicroKernel, depth: Int, a: [Float], b: [Float]) -> ([Float], [Float]) {
    var fast = [Float](repeating: 0, count: kernel.outCount), reference = fast
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        fast.withUnsafeMutableBufferPointer { out in
          kernel.run(MicroKernelCall(depth: depth, a: a.baseAddress!, b: b.baseAddress!,
                                     out: out.baseAddress!))
        }
        reference.withUnsafeMutableBufferPointer { out in
          kernel.reference(MicroKernelCall(depth: depth, a: a.baseAddress!, b: b.baseAddress!,
                                           out: out.baseAddress!))
        }
      }
    }
    return (fast, reference)
  }
}

@Suite("Vector math")
struct VectorMathTests {
  /// Inputs from small angles to the edge of the vector reduction, points next to multiples of π/2, and the
  /// values that fall back to libm.
  private static func sinInputs() -> [Float] {
    var random = KernelTestRandom(state: 77)
    var xs: [Float] = [0, -0, 1e-30, -1e-8, .pi, -.pi, .pi / 2, 3 * .pi / 2, 100, -7_000, 24_999, -25_000]
    for scale: Float in [1, 10, 1_000, 25_000] { xs += random.floats(4_000).map { $0 * scale } }
    for k in -2_000...2_000 { xs += [Float(k) * .pi / 2, (Float(k) * .pi / 2).nextUp, (Float(k) * .pi / 2).nextDown] }
    return xs + [25_001, -1e6, 3e38, .infinity, -.infinity, .nan]
  }

  @Test("sin matches a double-precision sin within a few float ulps of 1, with IEEE special values")
  func sinMatchesDouble() {
    let xs = Self.sinInputs()
    var worst: Double = 0
    var index = 0
    while index < xs.count {
      var v = SIMD8<Float>(repeating: 0)
      let lanes = Swift.min(8, xs.count - index)
      for l in 0..<lanes { v[l] = xs[index + l] }
      let got = VectorMath.sin(v)
      for l in 0..<lanes {
        let x = xs[index + l], expected = Foundation.sin(Double(x))
        if x.isNaN || x.isInfinite {
          #expect(got[l].isNaN, "sin(\(x)) = \(got[l])")
        } else {
          worst = Swift.max(worst, abs(Double(got[l]) - expected))
          if x == 0 { #expect(got[l] == x && got[l].sign == x.sign, "sin keeps a zero's sign") }
        }
      }
      index += lanes
    }
    // A float result is within half an ulp of 1 (6e-8) at best; the reduction adds a few more near zeros.
    #expect(worst <= 3e-7, "worst error \(worst)")
  }

  @Test("a lane's sin does not depend on the other lanes (unused lanes past a row's end hold anything)")
  func sinIsLaneWise() {
    let plain = SIMD8<Float>(0.3, -1.7, 2.9, 10, -200, 0.001, 3, 1e4)
    let base = VectorMath.sin(plain)
    for garbage: Float in [1e9, .infinity, .nan, -3e38] {
      var mixed = plain
      mixed[7] = garbage
      let got = VectorMath.sin(mixed)
      for lane in 0..<7 { #expect(got[lane].bitPattern == base[lane].bitPattern, "lane \(lane) next to \(garbage)") }
    }
  }
}
