import Testing
@testable import Teenygrad

/// Deterministic values in [-1, 1).
private struct DotTestRandom {
  var state: UInt64
  mutating func float() -> Float {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return Float((state >> 33) % 2048) / 1024 - 1
  }
}

/// The largest difference between `c` and C[q] = A[q] * B[q] summed in float64, over every batch entry `q` and
/// element (i, j); `a(q, i, p)`, `b(q, p, j)` and `c(q, i, j)` read the operands and the result.
private func worstErrorAgainstFloat64(batch: Int, m: Int, n: Int, k: Int, a: (Int, Int, Int) -> Float,
                                      b: (Int, Int, Int) -> Float, c: (Int, Int, Int) -> Float) -> Double {
  var worst: Double = 0
  for q in 0..<batch {
    for i in 0..<m {
      for j in 0..<n {
        var sum: Double = 0
        for p in 0..<k { sum += Double(a(q, i, p)) * Double(b(q, p, j)) }
        worst = max(worst, abs(sum - Double(c(q, i, j))))
      }
    }
  }
  return worst
}

@Suite("Dot-product GEMM")
struct DotGEMMTests {
  /// A convolution weight gradient's layout: A rows and B columns at scattered offsets, K as `runs` runs of
  /// `length` floats that start `gapA` / `gapB` floats apart, both buffers ending right after their last
  /// run (so the last tails load lane by lane), C through row and column tables, two batch entries.
  @Test("blocks over K runs match a float64 triple loop and give the same bits for any cut into units",
        arguments: [(1, 1, 8, 40), (2, 5, 11, 64), (8, 9, 26, 16), (7, 4, 13, 9), (3, 3, 16, 32)])
  func matchesReferenceForAnyUnits(shape: (Int, Int, Int, Int)) {
    let (m, n, length, runs) = shape
    let k = length * runs
    let gapA = length + 3, gapB = length + 2
    let batch = 2
    var random = DotTestRandom(state: UInt64(m * 100 + n * 10 + length))
    let aRows = (0..<m).map { $0 * (runs * gapA + 1) }, bCols = (0..<n).map { $0 * 5 }
    let aK = (0..<k).map { ($0 / length) * gapA + $0 % length }, bK = (0..<k).map { ($0 / length) * gapB + $0 % length }
    let aBatch = aRows.last! + aK.last! + 1, bBatch = bCols.last! + bK.last! + 1
    let aData = (0..<(batch * aBatch)).map { _ in random.float() }
    let bData = (0..<(batch * bBatch)).map { _ in random.float() }
    let cRows = (0..<m).map { $0 * (2 * n + 1) }, cCols = (0..<n).map { 2 * $0 }
    let cBatch = cRows.last! + cCols.last! + 1
    var results: [[Float]] = []
    for maxUnits in [1, 3, 64] {
      var c = [Float](repeating: .nan, count: batch * cBatch)
      aRows.withUnsafeBufferPointer { ar in aK.withUnsafeBufferPointer { ak in
        bK.withUnsafeBufferPointer { bk in bCols.withUnsafeBufferPointer { bc in
          cRows.withUnsafeBufferPointer { cr in cCols.withUnsafeBufferPointer { cc in
            aData.withUnsafeBufferPointer { a in bData.withUnsafeBufferPointer { b in
              c.withUnsafeMutableBufferPointer { out in
                _ = DotGEMM.runInPlace(batch: batch, m: m, n: n, k: k, kRun: length,
                                a: MatrixOperand(base: a.baseAddress!, rowStride: 0, colStride: 0,
                                                 rowOffsets: ar.baseAddress, colOffsets: ak.baseAddress),
                                aBatchStride: aBatch, aCount: aData.count,
                                b: MatrixOperand(base: b.baseAddress!, rowStride: 0, colStride: 0,
                                                 rowOffsets: bk.baseAddress, colOffsets: bc.baseAddress),
                                bBatchStride: bBatch, bCount: bData.count,
                                c: out.baseAddress!, ldc: 0, cBatchStride: cBatch,
                                cRowOffsets: cr.baseAddress, cColOffsets: cc.baseAddress, maxUnits: maxUnits,
                                parallel: { count, body in for i in (0..<count).reversed() { body(i, i % 3) } })
              }
            } }
          } }
        } }
      } }
      let worst = worstErrorAgainstFloat64(batch: batch, m: m, n: n, k: k,
                                           a: { q, i, p in aData[q * aBatch + aRows[i] + aK[p]] },
                                           b: { q, p, j in bData[q * bBatch + bCols[j] + bK[p]] },
                                           c: { q, i, j in c[q * cBatch + cRows[i] + cCols[j]] })
      #expect(worst <= 2e-6 * Double(k) + 1e-6, "\(m)x\(k)@\(k)x\(n) runs of \(length): max error \(worst)")
      results.append(c)
    }
    // Cells outside C stay untouched (NaN), and the cut into units never changes a bit.
    #expect(results.dropFirst().allSatisfy { $0.map(\.bitPattern) == results[0].map(\.bitPattern) })
    let cells = Set((0..<batch).flatMap { q in cRows.flatMap { r in cCols.map { q * cBatch + r + $0 } } })
    #expect(results[0].indices.allSatisfy { cells.contains($0) != results[0][$0].isNaN })
  }

  /// A's rows unit-stride along K at a row stride past K; B either K-contiguous columns read in place or
  /// row-major (copied first), two batch entries with B shared or not, C through a row table or plain. Narrow 6x2
  /// blocks, and 3x3 blocks over a copied B.
  @Test("dot blocks over all of K match a float64 triple loop and give the same bits for any cut",
        arguments: [(1, 1, 256, false, false), (5, 2, 259, true, false), (13, 9, 300, true, false),
                    (7, 10, 264, false, false), (6, 12, 257, true, false), (8, 9, 2_100, true, false),
                    (5, 2, 259, true, true), (13, 9, 300, true, true), (8, 9, 2_100, true, true)])
  func allOfKMatchesReference(shape: (Int, Int, Int, Bool, Bool)) {
    // The last flag picks 3x3 blocks over a copied B (which only a row-major B takes) instead of 6x2 blocks.
    let (m, n, k, rowMajorB, threeByThree) = shape
    let layout: DotGEMM.Layout = threeByThree ? .copiedB : .narrow(copiesB: rowMajorB)
    let batch = 2, lda = k + 3
    var random = DotTestRandom(state: UInt64(m * 1000 + n * 10 + k))
    let aBatch = m * lda
    let aData = (0..<(batch * aBatch)).map { _ in random.float() }
    // Row-major B: element (p, j) at p * n + j, shared by both batch entries; else column j at j * (k + 1).
    let bBatch = rowMajorB ? 0 : n * (k + 1)
    let bData = (0..<(rowMajorB ? k * n : batch * bBatch)).map { _ in random.float() }
    let bRowStride = rowMajorB ? n : 1, bColStride = rowMajorB ? 1 : k + 1
    let cRows = (0..<m).map { $0 * (n + 2) + 1 }
    let cBatch = cRows.last! + n + 1
    var results: [[Float]] = []
    // C's rows through a row table, then the same places as a plain C (one float in, row stride n + 2), whose
    // whole blocks the kernel writes in place, a row of them per call.
    for (maxUnits, rowTable) in [(1, true), (3, true), (64, true), (1, false), (3, false), (64, false)] {
      var c = [Float](repeating: .nan, count: batch * cBatch)
      cRows.withUnsafeBufferPointer { cr in
        aData.withUnsafeBufferPointer { a in bData.withUnsafeBufferPointer { b in
          c.withUnsafeMutableBufferPointer { out in
            _ = DotGEMM.run(layout, batch: batch, m: m, n: n, k: k, kRun: k,
                                  a: MatrixOperand(base: a.baseAddress!, rowStride: lda, colStride: 1),
                                  aBatchStride: aBatch, aCount: aData.count,
                                  b: MatrixOperand(base: b.baseAddress!, rowStride: bRowStride, colStride: bColStride),
                                  bBatchStride: bBatch, bCount: bData.count,
                                  c: rowTable ? out.baseAddress! : out.baseAddress! + 1, ldc: rowTable ? 0 : n + 2,
                                  cBatchStride: cBatch, cRowOffsets: rowTable ? cr.baseAddress : nil,
                                  cColOffsets: nil, maxUnits: maxUnits,
                                  parallel: { count, body in for i in (0..<count).reversed() { body(i, i % 3) } })
          }
        } }
      }
      let worst = worstErrorAgainstFloat64(batch: batch, m: m, n: n, k: k,
                                           a: { q, i, p in aData[q * aBatch + i * lda + p] },
                                           b: { q, p, j in bData[q * bBatch + p * bRowStride + j * bColStride] },
                                           c: { q, i, j in c[q * cBatch + cRows[i] + j] })
      #expect(worst <= 2e-6 * Double(k) + 1e-6, "\(m)x\(k)@\(k)x\(n), row table \(rowTable): max error \(worst)")
      results.append(c)
    }
    #expect(results.dropFirst().allSatisfy { $0.map(\.bitPattern) == results[0].map(\.bitPattern) })
    let cells = Set((0..<batch).flatMap { q in cRows.flatMap { r in (0..<n).map { q * cBatch + r + $0 } } })
    #expect(results[0].indices.allSatisfy { cells.contains($0) != results[0][$0].isNaN })
  }

  @Test("few outputs or few columns over a long K schedule as dot products; the rest pack")
  func schedulerChoosesDotProductsForFewOutputs() {
    let k = 4_096
    let ones = { (rows: Int) in Tensor([Float](repeating: 1, count: rows * k), shape: [rows, k]) }
    let few = ones(8).matmul(ones(9).transpose())
    let fewKernels = Scheduler.schedule([few.lazydata]).kernels
    #expect(fewKernels.count == 1 && fewKernels[0].gemm?.runsAsDotProducts == true)
    #expect(fewKernels.first?.name.hasPrefix("f32_dot_3x3_avx2") == true)
    #expect(few.toArray().allSatisfy { $0 == Float(k) })
    // Ten columns of B strided along K: a narrow product, B copied into K-contiguous columns.
    let narrow = ones(70).matmul(ones(10).reshape(k, 10))
    let narrowKernels = Scheduler.schedule([narrow.lazydata]).kernels
    #expect(narrowKernels.count == 1 && narrowKernels.first?.name.hasPrefix("f32_dot_6x2_avx2") == true)
    #expect(narrow.toArray().allSatisfy { $0 == Float(k) })
    // Narrow products as shallow as DotGEMM.narrowMinDepth still run as 6x2 blocks; shallower ones pack.
    let matrix = { (rows: Int, cols: Int) in Tensor([Float](repeating: 1, count: rows * cols), shape: [rows, cols]) }
    for depth in [DotGEMM.narrowMinDepth, DotGEMM.narrowMinDepth - 1] {
      let product = matrix(70, depth).matmul(matrix(depth, 10))
      let spec = Scheduler.schedule([product.lazydata]).kernels.first?.gemm
      #expect(spec.flatMap(DotGEMM.layout) == (depth == DotGEMM.narrowMinDepth ? .narrow(copiesB: true) : nil))
      #expect(product.toArray().allSatisfy { $0 == Float(depth) })
    }
    // Few outputs, B strided along K: 3x3 blocks over a K-contiguous copy of B.
    let copied = ones(8).matmul(ones(32).reshape(k, 32))
    let copiedSpec = Scheduler.schedule([copied.lazydata]).kernels.first?.gemm
    #expect(copiedSpec.flatMap(DotGEMM.layout) == .copiedB)
    #expect(copied.toArray().allSatisfy { $0 == Float(k) })
    // More outputs, wider than narrow, B strided along K: packed panels.
    let strided = ones(24).matmul(ones(32).reshape(k, 32))
    #expect(Scheduler.schedule([strided.lazydata]).kernels.first?.gemm?.runsAsDotProducts == false)
    // 64x64 outputs: packed panels.
    let many = ones(64).matmul(ones(64).transpose())
    #expect(Scheduler.schedule([many.lazydata]).kernels.first?.gemm?.runsAsDotProducts == false)
  }
}
