/// Scalar twin of one tile of ``f32_gemm_6x16_avx2(depth:a:aRowStride:aStep:b:bStep:c:ldc:rows:cols:accumulate:tiles:tileStrides:)``:
/// the same inputs and contract, one multiply-add at a time. It is the test oracle, not a fast path.
func f32_gemm_6x16_reference(
  depth: Int, a: UnsafePointer<Float>, aRowStride: Int = 1, aStep: Int = F32GEMMTile.rows,
  b: UnsafePointer<Float>, bStep: Int = F32GEMMTile.cols, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int,
  cols: Int, accumulate: Bool
) {
  for i in 0..<rows {
    for j in 0..<cols {
      var sum: Float = 0
      for p in 0..<depth {
        sum += a[i * aRowStride + p * aStep] * b[p * bStep + j]
      }
      c[i * ldc + j] = accumulate ? c[i * ldc + j] + sum : sum
    }
  }
}

/// Plain triple-loop C[b] (=|+=) A[b] * B[b] over strided operands, accumulating in `Double`: the oracle
/// for ``GEMM/sgemm(batch:m:n:k:a:aBatchStride:b:bBatchStride:c:ldc:cBatchStride:accumulate:parallel:)``.
func f32_sgemm_reference(
  batch: Int, m: Int, n: Int, k: Int,
  a: MatrixOperand, aBatchStride: Int, b: MatrixOperand, bBatchStride: Int,
  c: UnsafeMutablePointer<Float>, ldc: Int, cBatchStride: Int, accumulate: Bool
) {
  for q in 0..<batch {
    let aq = MatrixOperand(base: a.base + q * aBatchStride, rowStride: a.rowStride, colStride: a.colStride)
    let bq = MatrixOperand(base: b.base + q * bBatchStride, rowStride: b.rowStride, colStride: b.colStride)
    let cq = c + q * cBatchStride
    for i in 0..<m {
      for j in 0..<n {
        var sum: Double = 0
        for p in 0..<k {
          sum += Double(aq[i, p]) * Double(bq[p, j])
        }
        cq[i * ldc + j] = accumulate ? Float(Double(cq[i * ldc + j]) + sum) : Float(sum)
      }
    }
  }
}
