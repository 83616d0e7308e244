import Testing
@testable import Teenygrad

/// Deterministic values in [-1, 1) and shuffles for the offset-table tests.
private struct TableTestRandom {
  var state: UInt64

  mutating func next() -> UInt64 {
    state = state &* 6364136223846793005 &+ 1442695040888963407
    return state >> 33
  }

  mutating func float() -> Float { Float(next() % 2048) / 1024 - 1 }

  /// `count` distinct offsets into `0 ..< count * spread`, in shuffled order.
  mutating func offsets(_ count: Int, spread: Int) -> [Int] {
    var values = (0..<count).map { $0 * spread + Int(next() % UInt64(spread)) }
    for i in stride(from: count - 1, to: 0, by: -1) { values.swapAt(i, Int(next() % UInt64(i + 1))) }
    return values
  }

  /// The multiples of `spacing` below `count * spacing`, in shuffled order.
  mutating func starts(_ count: Int, spacing: Int) -> [Int] {
    var values = (0..<count).map { $0 * spacing }
    for i in stride(from: count - 1, to: 0, by: -1) { values.swapAt(i, Int(next() % UInt64(i + 1))) }
    return values
  }
}

@Suite("GEMM through offset tables")
struct GEMMTableTests {
  /// One product whose A rows, B columns and C rows and columns all go through shuffled offset tables, checked
  /// against a triple loop in Double.
  @Test("tables for A, B and C match a triple loop",
        arguments: [(1, 1, 1), (5, 15, 3), (6, 16, 8), (13, 37, 67), (64, 121, 288), (7, 300, 9)])
  func matchesTripleLoop(shape: (Int, Int, Int)) {
    let (m, n, k) = shape
    for accumulate in [false, true] {
      for smallBlocks in [false, true] {
        var random = TableTestRandom(state: UInt64(m * 1000 + n * 10 + k))
        let aRows = random.offsets(m, spread: 3 * k), aCols = random.offsets(k, spread: 2)
        let bRows = random.offsets(k, spread: 2 * n), bCols = random.offsets(n, spread: 2)
        // C's cells must be distinct: rows start at shuffled multiples of its widest row.
        let cRows = random.starts(m, spacing: 2 * n), cCols = random.offsets(n, spread: 2)
        let aData = (0..<(3 * k * m + 2 * k)).map { _ in random.float() }
        let bData = (0..<(2 * n * k + 2 * n)).map { _ in random.float() }
        let initial = (0..<(2 * n * m + 2 * n)).map { _ in random.float() }
        var c = initial
        var blocking = GEMMBlocking.default
        if smallBlocks { blocking.kc = 16; blocking.mc = 12; blocking.nc = 32 }
        _ = aRows.withUnsafeBufferPointer { ar in aCols.withUnsafeBufferPointer { ac in
          bRows.withUnsafeBufferPointer { br in bCols.withUnsafeBufferPointer { bc in
            cRows.withUnsafeBufferPointer { cr in cCols.withUnsafeBufferPointer { cc in
              aData.withUnsafeBufferPointer { a in bData.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { out in
                  GEMM.sgemm(batch: 1, m: m, n: n, k: k,
                             a: MatrixOperand(base: a.baseAddress!, rowStride: 0, colStride: 0,
                                              rowOffsets: ar.baseAddress, colOffsets: ac.baseAddress),
                             aBatchStride: 0,
                             b: MatrixOperand(base: b.baseAddress!, rowStride: 0, colStride: 0,
                                              rowOffsets: br.baseAddress, colOffsets: bc.baseAddress),
                             bBatchStride: 0, c: out.baseAddress!, ldc: 0, cBatchStride: 0,
                             cRowOffsets: cr.baseAddress, cColOffsets: cc.baseAddress,
                             accumulate: accumulate, blocking: blocking,
                             parallel: { count, body in for i in (0..<count).reversed() { body(i, i % 3) } })
                }
              } }
            } }
          } }
        } }
        var worst: Double = 0
        for i in 0..<m {
          for j in 0..<n {
            var sum: Double = accumulate ? Double(initial[cRows[i] + cCols[j]]) : 0
            for p in 0..<k { sum += Double(aData[aRows[i] + aCols[p]]) * Double(bData[bRows[p] + bCols[j]]) }
            worst = max(worst, abs(sum - Double(c[cRows[i] + cCols[j]])))
          }
        }
        #expect(worst <= 2e-6 * Double(k) + 1e-6, "\(m)x\(k)@\(k)x\(n) accumulate \(accumulate): max error \(worst)")
        // Nothing outside C's cells changes.
        let cells = Set(cRows.flatMap { r in cCols.map { r + $0 } })
        #expect(c.indices.allSatisfy { cells.contains($0) || c[$0] == initial[$0] })
      }
    }
  }

  @Test("block axes are classified into the row pattern their strides describe")
  func rowPatternClassification() {
    // A 2x2 window run of a 10x10 crop inside an 11x11 plane: (5, 2) x (5, 2) with strides (22, 11, 2, 1).
    #expect(RowLoad.classify([(5, 22), (2, 11), (5, 2), (2, 1)]) == .run(length: 10))
    // A pooled maximum broadcast back over its windows.
    #expect(RowLoad.classify([(13, 13), (2, 0), (13, 1), (2, 0)]) == .repeated(length: 26, factor: 2))
    // A per-channel value over a whole plane.
    #expect(RowLoad.classify([(13, 0), (2, 0), (13, 0), (2, 0)]) == .splat(length: 676))
    // A stride-2 window read.
    #expect(RowLoad.classify([(13, 52), (13, 2)]) == .strided(length: 13, stride: 2))
    // Rows too short for a pattern.
    #expect(RowLoad.classify([(64, 121), (5, 22), (5, 2)]) == .gather)
  }

  @Test("each row pattern loads what its definition says, from any position")
  func rowLoadsMatchDefinition() {
    var random = TableTestRandom(state: 99)
    let source = (0..<4096).map { _ in random.float() }
    let patterns: [(RowLoad, (Int) -> Int)] = [
      (.splat(length: 12), { _ in 0 }),
      (.run(length: 13), { $0 }),
      (.repeated(length: 26, factor: 2), { $0 / 2 }),
      (.repeated(length: 27, factor: 3), { $0 / 3 }),
      (.strided(length: 13, stride: 2), { $0 * 2 }),
      (.strided(length: 9, stride: 5), { $0 * 5 }),
    ]
    for (pattern, lane) in patterns {
      let length: Int
      switch pattern {
      case .splat(let n), .run(let n), .repeated(let n, _), .strided(let n, _): length = n
      case .gather: length = 1
      }
      let rowCount = 12
      let table = (0..<(rowCount * length)).map { p in (p / length) * 97 + (p % length == 0 ? 0 : -1) }
      for position in [0, 1, 5, length - 1, length + 3] {
        for count in [1, 7, 8, 9, 17, 40] where position + count <= rowCount * length {
          var fast = [Float](repeating: .nan, count: count)
          source.withUnsafeBufferPointer { s in table.withUnsafeBufferPointer { t in
            fast.withUnsafeMutableBufferPointer { d in
              pattern.load(s.baseAddress!, table: t.baseAddress!, position: position, count: count, into: d.baseAddress!)
            }
          } }
          let expected = (0..<count).map { q -> Float in
            let p = position + q, w = p % length
            return source[table[p - w] + lane(w)]
          }
          #expect(fast == expected, "\(pattern) from \(position), \(count) lanes")
        }
      }
    }
  }
}
