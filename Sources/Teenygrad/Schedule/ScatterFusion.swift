/// Folds a matrix product into the kernel after it when that kernel only adds up shifted windows of the
/// product (col2im).
///
/// Conv's input gradient is a GEMM whose C holds one value per (input channel, window position) and
/// (image, output position). The next kernel sums, for every input pixel, the window entries that cover it.
/// Fused, each C element is added straight into the pixel it belongs to: C never reaches memory, and the
/// sum's nine padded gathers per pixel disappear.
///
/// The fusion applies when the summing kernel is an addition of loads that read nothing but the product,
/// through single views, each element of the product exactly once, and the pixel of C element (i, j) is a
/// row part plus a column part. C's offset tables then point into the summed output, and its stores add.
/// Columns whose pixels overlap (one image's) stay in one tile, and the tiles are cut the same way at every
/// thread count, so each pixel adds its terms in a fixed order (``GEMMSpec/scatterColumns``).
enum ScatterFusion {
  /// How a product's C adds into the summed output.
  struct Scatter {
    /// Whether C's rows, not its columns, split into more groups: the product then runs as Cᵀ = Bᵀ Aᵀ, since
    /// tiles cut columns only. The fields below describe the product as it runs.
    var transposed: Bool
    /// Per row of C, the row part of its output offset.
    var rowOffsets: [Int]
    /// Per column of C, the column part of its output offset.
    var colOffsets: [Int]
    /// Columns per group: groups add into disjoint ranges of the output.
    var columnGroup: Int
  }

  /// Most (output element, input) pairs a fusion check walks: the check runs once per distinct pair of
  /// kernels, then comes from the cache.
  static let maxCheckedReads = 1 << 26

  /// Replaces each GEMM whose only reader is a window sum by one GEMM that adds into the sum's output. The
  /// product's buffer is then never written: it loses its owner (the lazy node stays unrealized) and its
  /// memory. `kept` are buffers that must be written (the outputs asked for).
  static func fuse(_ schedule: inout Schedule, kept: Set<Int>) {
    var index = 0
    while index < schedule.kernels.count {
      defer { index += 1 }
      let sum = schedule.kernels[index]
      guard let product = summedBuffer(sum), !kept.contains(product),
            schedule.buffers[product].existing == nil,
            let g = schedule.kernels[..<index].lastIndex(where: { $0.output == product }),
            let spec = schedule.kernels[g].gemm, spec.batch == 1, !spec.runsAsDotProducts,
            spec.m * spec.n == schedule.buffers[product].count,
            readers(of: product, in: schedule.kernels) == 1,
            let scatter = cachedScatter(spec, productCount: spec.m * spec.n, sum: sum)
      else { continue }
      var fused = schedule.kernels[g]
      fused.output = sum.output
      var gemm = scatter.transposed ? spec.transposedOperands : spec
      gemm.cRowOffsets = scatter.rowOffsets
      gemm.cColOffsets = scatter.colOffsets
      gemm.scatterColumns = scatter.columnGroup
      fused.gemm = gemm
      ScheduleLog.scatter(fused, into: sum)
      schedule.kernels[index] = fused
      schedule.kernels.remove(at: g)
      schedule.buffers[product].owner = nil
      schedule.buffers[product].count = 0
      index -= 1
    }
  }

  /// The buffer a kernel sums windows of: an elementwise float kernel that adds two or more loads, each
  /// once, all of one buffer through single views.
  static func summedBuffer(_ k: Kernel) -> Int? {
    guard k.kind == .elementwise, k.reduceOp == nil, k.gemm == nil, k.outputDType == .float32,
          k.inputs.count >= 2, let buffer = k.inputs.first?.buffer,
          k.inputs.allSatisfy({ $0.buffer == buffer && $0.dtype == .float32 && $0.st.isSingleView })
    else { return nil }
    var loads: [Int] = []
    func collect(_ e: KernelExpr) -> Bool {
      switch e {
      case .load(let i): loads.append(i); return true
      case .binary(.add, let a, let b): return collect(a) && collect(b)
      default: return false
      }
    }
    guard collect(k.expr), loads.sorted() == Array(k.inputs.indices) else { return nil }
    return buffer
  }

  private static func readers(of buffer: Int, in kernels: [Kernel]) -> Int {
    kernels.filter { $0.inputs.contains { $0.buffer == buffer } }.count
  }

  private struct Key: Hashable {
    var m: Int, n: Int, ldc: Int
    var cRowOffsets: [Int]?, cColOffsets: [Int]?
    var shape: [Int]
    var views: [View]
  }

  private static let cache = BoundedCache<Key, Scatter?>(capacity: 64)

  private static func cachedScatter(_ spec: GEMMSpec, productCount: Int, sum: Kernel) -> Scatter? {
    let key = Key(m: spec.m, n: spec.n, ldc: spec.ldc, cRowOffsets: spec.cRowOffsets, cColOffsets: spec.cColOffsets,
                  shape: sum.shape, views: sum.inputs.map { $0.st.bufferView })
    return cache.value(for: key) { scatter(spec, productCount: productCount, sum: sum) }
  }

  /// How C adds into `sum`'s output, or nil when some product element is read twice or never, or the
  /// output offsets do not split into row and column parts.
  static func scatter(_ spec: GEMMSpec, productCount: Int, sum: Kernel) -> Scatter? {
    guard sum.outputCount < Int(Int32.max), sum.outputCount * sum.inputs.count <= maxCheckedReads,
          let target = outputOffsets(of: productCount, readBy: sum) else { return nil }
    let m = spec.m, n = spec.n
    let rowsInProduct = (0..<m).map { spec.cRowOffsets?[$0] ?? $0 * spec.ldc }
    let colsInProduct = (0..<n).map { spec.cColOffsets?[$0] ?? $0 }
    guard let rowLow = rowsInProduct.min(), let rowHigh = rowsInProduct.max(),
          let colLow = colsInProduct.min(), let colHigh = colsInProduct.max(),
          rowLow + colLow >= 0, rowHigh + colHigh < productCount else { return nil }
    let origin = Int(target[rowsInProduct[0] + colsInProduct[0]])
    let rows = rowsInProduct.map { Int(target[$0 + colsInProduct[0]]) - origin }
    let cols = colsInProduct.map { Int(target[rowsInProduct[0] + $0]) }
    let separable = target.withUnsafeBufferPointer { t in
      (0..<m).allSatisfy { r in
        let row = rowsInProduct[r], part = rows[r]
        return (0..<n).allSatisfy { c in Int(t[row + colsInProduct[c]]) == part + cols[c] }
      }
    }
    guard separable else { return nil }
    // Tiles are groups: a product that cuts into one group only would run on one thread.
    let colGroup = columnGroup(rows: rows, cols: cols), rowGroup = columnGroup(rows: cols, cols: rows)
    guard n / colGroup > 1 || m / rowGroup > 1 else { return nil }
    return m / rowGroup > n / colGroup
      ? Scatter(transposed: true, rowOffsets: cols, colOffsets: rows, columnGroup: rowGroup)
      : Scatter(transposed: false, rowOffsets: rows, colOffsets: cols, columnGroup: colGroup)
  }

  /// Per product element, the output element it is added into (as a flat index), walking every view of
  /// `sum` over its mask; nil unless each product element is read exactly once.
  private static func outputOffsets(of productCount: Int, readBy sum: Kernel) -> [Int32]? {
    var target = [Int32](repeating: -1, count: productCount)
    let shape = sum.shape, rank = shape.count
    let outStrides = View.contiguousStrides(shape)
    var filled = 0
    let complete = target.withUnsafeMutableBufferPointer { t -> Bool in
      for input in sum.inputs {
        let v = input.st.bufferView
        let box = v.mask ?? shape.map { 0..<$0 }
        if box.contains(where: \.isEmpty) { continue }
        var idx = box.map(\.lowerBound)
        var p = v.offset + zip(idx, v.strides).map(*).reduce(0, +)
        var o = zip(idx, outStrides).map(*).reduce(0, +)
        walk: while true {
          guard p >= 0, p < productCount, t[p] < 0 else { return false }
          t[p] = Int32(o)
          filled += 1
          var d = rank - 1
          while d >= 0 {
            idx[d] += 1
            p += v.strides[d]
            o += outStrides[d]
            if idx[d] < box[d].upperBound { continue walk }
            let back = idx[d] - box[d].lowerBound
            p -= back * v.strides[d]
            o -= back * outStrides[d]
            idx[d] = box[d].lowerBound
            d -= 1
          }
          break walk
        }
      }
      return true
    }
    return complete && filled == productCount ? target : nil
  }

  /// The smallest column count `g` such that C's columns, cut every `g`, form groups that add into
  /// disjoint, increasing ranges of the output; all columns when no such cut exists.
  static func columnGroup(rows: [Int], cols: [Int]) -> Int {
    let n = cols.count
    guard n > 1, let low = rows.min(), let high = rows.max() else { return max(1, n) }
    // A cut before column j is safe when every output the columns before it touch lies below every
    // output the columns from j on touch.
    var suffixLow = [Int](repeating: .max, count: n + 1)
    for c in (0..<n).reversed() { suffixLow[c] = min(suffixLow[c + 1], cols[c] + low) }
    var safe = [Bool](repeating: false, count: n)
    var prefixHigh = Int.min
    for j in 1..<n {
      prefixHigh = max(prefixHigh, cols[j - 1] + high)
      safe[j] = prefixHigh < suffixLow[j]
    }
    for g in 1..<n where safe[g] && n % g == 0 {
      if stride(from: g, to: n, by: g).allSatisfy({ safe[$0] }) { return g }
    }
    return n
  }
}
