/// Scalar twin of ``f32_dot_3x3_avx2(_:runs:out:)``: the same inputs and contract, one multiply-add at a
/// time in K order. It is the test oracle, not a fast path.
func f32_dot_3x3_reference(_ block: DotBlock, runs: DotRuns, out: UnsafeMutablePointer<Float>) {
  let a = [block.a.0, block.a.1, block.a.2], b = [block.b.0, block.b.1, block.b.2]
  for i in 0..<F32DotTile.rows {
    for j in 0..<F32DotTile.cols {
      var sum: Float = 0
      for r in 0..<runs.count {
        for s in 0..<runs.length { sum += a[i][runs.aStarts[r] + s] * b[j][runs.bStarts[r] + s] }
      }
      out[F32DotTile.cols * i + j] = sum
    }
  }
}
