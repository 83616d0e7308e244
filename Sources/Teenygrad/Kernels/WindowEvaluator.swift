/// Runs the kernels of a pooling layer whose windows are two columns wide and do not overlap, in the image's
/// own memory order: the max-pool or avg-pool reduce (`(…, O, K1, 2)` reduced over `K1, 2`), and the
/// elementwise kernel over the windows that reads pooled values broadcast back over them (max-pool's
/// backward mask, `(…, K1, O, 2)`).
///
/// A *window row* is one index of the outer axes: `K1` image rows of `2 * O` lanes, the lanes in memory
/// order. Each input reads a window row in one of three ways (``Access``): as `K1` runs of the image, as `O`
/// pooled values each repeated twice (the row then repeated `K1` times), or as one value. The program runs
/// over whole chunks of window rows at once, so the image is read as long runs (in place where contiguous)
/// instead of one strided row per window position, and a reduce then folds each window's lanes into its
/// output eight windows at a time. Rows of fewer than ``minPositions`` windows (a 5x5 pool output) keep the
/// gather evaluator, whose per-row costs are lower there.
///
/// Every window row is one unit's alone, so results are the same at any thread count.
struct WindowEvaluator: @unchecked Sendable {
  /// How an input reads the lanes of one window row.
  enum Access: Equatable, Sendable {
    /// `K1` runs of `2 * O` consecutive floats, `rowStride` apart.
    case image(rowStride: Int)
    /// `O` consecutive floats, each repeated twice; the row repeated `K1` times.
    case pooled
    /// One float for every lane.
    case splat
  }

  /// The window sizes and which kernel axes hold them.
  struct Layout: Sendable {
    /// Axes of size > 1 before the window axes, in kernel order.
    var outerAxes: [Int]
    var rowAxis: Int, positionAxis: Int, columnAxis: Int
    /// Rows per window (`K1`) and windows per row (`O`); windows are two columns wide.
    var rows: Int, positions: Int
    var access: [Access]

    /// Lanes of one window row.
    var lanes: Int { rows * 2 * positions }
  }

  /// Lanes an elementwise kernel's chunk aims for, as many as the gather evaluator's: a chunk's fixed costs (a
  /// call per op, its row offsets) spread over more lanes, and its registers still fit in L2. Also the longest
  /// window row this evaluator takes.
  static let targetLanes = 4_096
  /// Lanes a reduce's chunk aims for: its registers then stay in L1 while the fold reads them back. The Keras
  /// convnet's 2x2 max-pool over 128x32x26x26 took 1.0-1.15 ms this way against 1.4-1.7 ms at
  /// ``targetLanes`` (one training step at 1 thread), and its max-pool backward's window counts 1.7-1.95
  /// against 2.15-2.3 ms; its elementwise backward mask did not gain.
  static let reduceTargetLanes = 1_024
  /// Fewest windows per row: the folds and loads work on eight windows at a time.
  static let minPositions = 8

  /// One input as the hot loops read it: plain values, no reference-counted memory.
  struct InputRead {
    var base: UnsafePointer<Float>
    /// The view's offset.
    var offset: Int
    var access: Access
  }

  /// The sizes the hot loops use, as plain values.
  struct Geometry {
    var rows: Int, positions: Int, rowsPerChunk: Int
    /// Lanes of one image row of a window row, and of a whole window row.
    var width: Int { 2 &* positions }
    var lanes: Int { rows &* width }
  }

  /// Owns the inputs' reads, the merged outer axes' sizes and every input's strides along them
  /// (input-major), for the evaluator's lifetime.
  final class Storage: @unchecked Sendable {
    let reads: UnsafeMutableBufferPointer<InputRead>
    let outerShape: UnsafeMutableBufferPointer<Int>
    let outerStrides: UnsafeMutableBufferPointer<Int>

    init(reads: [InputRead], outerShape: [Int], outerStrides: [Int]) {
      self.reads = .allocate(capacity: Swift.max(1, reads.count))
      _ = self.reads.initialize(from: reads)
      self.outerShape = .allocate(capacity: Swift.max(1, outerShape.count))
      _ = self.outerShape.initialize(from: outerShape)
      self.outerStrides = .allocate(capacity: Swift.max(1, outerStrides.count))
      _ = self.outerStrides.initialize(from: outerStrides)
    }

    deinit {
      reads.deallocate()
      outerShape.deallocate()
      outerStrides.deallocate()
    }
  }

  let program: ElementwiseProgram
  let reduceOp: ReduceOp?
  let geometry: Geometry
  let output: UnsafeMutablePointer<Float>
  let storage: Storage
  /// Merged outer axes (``mergedOuterAxes(shape:strides:)``).
  let outerRank: Int
  /// Window rows in all.
  let windowRows: Int

  /// The layout `kernel` runs in here, or nil where this evaluator does not apply: every input one float32
  /// view without a mask, a float32 output, windows two columns wide in rows of at least ``minPositions``,
  /// and at least one input read as the image plus, without a reduce, one read pooled.
  static func layout(of kernel: Kernel) -> Layout? {
    guard kernel.outputDType == .float32,
          kernel.inputs.allSatisfy({ $0.dtype == .float32 && $0.st.isSingleView && $0.st.bufferView.mask == nil }) else {
      return nil
    }
    let axes = kernel.shape.indices.filter { kernel.shape[$0] > 1 }
    let reduced = kernel.reduceAxes.filter { kernel.shape[$0] > 1 }
    guard axes.count >= 3 else { return nil }
    let last = Array(axes.suffix(3))
    let (rowAxis, positionAxis, columnAxis): (Int, Int, Int)
    if kernel.reduceOp != nil {
      guard reduced == [last[1], last[2]] else { return nil }
      (positionAxis, rowAxis, columnAxis) = (last[0], last[1], last[2])
    } else {
      guard kernel.reduceAxes.isEmpty else { return nil }
      (rowAxis, positionAxis, columnAxis) = (last[0], last[1], last[2])
    }
    let positions = kernel.shape[positionAxis]
    guard kernel.shape[columnAxis] == 2, positions >= minPositions else { return nil }
    let access: [Access] = kernel.inputs.compactMap { input in
      let strides = input.st.bufferView.strides
      switch (strides[rowAxis], strides[positionAxis], strides[columnAxis]) {
      case (0, 0, 0): return .splat
      case (0, 1, 0): return .pooled
      case (let rowStride, 2, 1): return .image(rowStride: rowStride)
      default: return nil
      }
    }
    let layout = Layout(outerAxes: Array(axes.dropLast(3)), rowAxis: rowAxis, positionAxis: positionAxis,
                        columnAxis: columnAxis, rows: kernel.shape[rowAxis], positions: positions, access: access)
    guard access.count == kernel.inputs.count, layout.lanes <= targetLanes,
          access.contains(where: { if case .image = $0 { true } else { false } }),
          kernel.reduceOp != nil || access.contains(.pooled) else { return nil }
    return layout
  }

  /// The outer axes with each neighbouring pair that every input steps through as one axis merged (an
  /// image's batch, channel and window-row axes usually become one), and each input's strides along them.
  static func mergedOuterAxes(shape: [Int], strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
    var shape = shape, strides = strides
    var d = shape.count - 1
    while d > 0 {
      if strides.allSatisfy({ $0[d - 1] == $0[d] * shape[d] }) {
        shape[d - 1] *= shape[d]
        shape.remove(at: d)
        for i in strides.indices { strides[i].remove(at: d - 1) }
      }
      d -= 1
    }
    return (shape, strides)
  }

  init(kernel: Kernel, layout: Layout, buffers: [Buffer]) {
    program = ElementwiseProgram.compiled(kernel.expr)
    reduceOp = kernel.reduceOp
    output = buffers[kernel.output].raw.assumingMemoryBound(to: Float.self)
    let reads = kernel.inputs.indices.map { i in
      InputRead(base: UnsafePointer(buffers[kernel.inputs[i].buffer].raw.assumingMemoryBound(to: Float.self)),
                offset: kernel.inputs[i].st.bufferView.offset, access: layout.access[i])
    }
    let strides = kernel.inputs.map { input in layout.outerAxes.map { input.st.bufferView.strides[$0] } }
    let merged = Self.mergedOuterAxes(shape: layout.outerAxes.map { kernel.shape[$0] }, strides: strides)
    storage = Storage(reads: reads, outerShape: merged.shape, outerStrides: merged.strides.flatMap { $0 })
    outerRank = merged.shape.count
    windowRows = merged.shape.reduce(1, *)
    // Whole vectors per chunk, so outputs are written and inputs read in place without a tail.
    let rowsPerVector = 8 / Self.gcd(layout.lanes, 8)
    let target = kernel.reduceOp == nil ? Self.targetLanes : Self.reduceTargetLanes
    let rowsPerChunk = Swift.max(1, target / layout.lanes / rowsPerVector) * rowsPerVector
    geometry = Geometry(rows: layout.rows, positions: layout.positions, rowsPerChunk: rowsPerChunk)
  }

  private static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

  var unitCount: Int { (windowRows + geometry.rowsPerChunk - 1) / geometry.rowsPerChunk }
  var unitCost: Int { geometry.rowsPerChunk * geometry.lanes * (program.instructions.count + 2 * storage.reads.count + 2) }

  /// Floats per register: a chunk's lanes rounded up to whole vectors.
  private var registerLanes: Int { (geometry.rowsPerChunk * geometry.lanes + 7) / 8 * 8 }
  /// Ints of a chunk's window-row offsets, for every input.
  private var offsetInts: Int { Swift.max(1, storage.reads.count) * geometry.rowsPerChunk }
  /// Floats of scratch ``run(units:scratch:)`` needs: registers, then the row offsets.
  var scratchFloats: Int { program.registerCount * registerLanes + 2 * offsetInts }

  /// Computes chunks `units`, with `scratch` of ``scratchFloats`` floats to itself.
  func run(units: Range<Int>, scratch: UnsafeMutablePointer<Float>) {
    let c = registerLanes, g = geometry, reads = storage.reads, isMax = reduceOp == .max
    (scratch + program.registerCount * c).withMemoryRebound(to: Int.self, capacity: offsetInts) { rowOffsets in
      for unit in units {
        let first = unit &* g.rowsPerChunk
        let count = Swift.min(g.rowsPerChunk, windowRows &- first)
        fillRowOffsets(first, count, rowOffsets)
        let n = count &* g.lanes
        let out = output + first &* (reduceOp == nil ? g.lanes : g.positions)
        let result = program.execute(scratch, n, registerLanes: c, out: reduceOp == nil && n & 7 == 0 ? out : nil) { input, register in
          Self.load(reads[input], count, rowOffsets + input &* g.rowsPerChunk, g, into: register)
        }
        if reduceOp != nil {
          Self.fold(result, count, g, isMax: isMax, into: out)
        } else if result != out {
          out.update(from: result, count: n)
        }
      }
    }
  }

  /// Per input, the offset of each of window rows `first ..< first + count`: runs along the last outer
  /// axis step by its stride, the other axes are summed where a run starts.
  private func fillRowOffsets(_ first: Int, _ count: Int, _ rowOffsets: UnsafeMutablePointer<Int>) {
    let rank = outerRank, reads = storage.reads, shape = storage.outerShape, rowsPerChunk = geometry.rowsPerChunk
    guard rank > 0 else {
      for i in reads.indices { rowOffsets[i &* rowsPerChunk] = reads[i].offset }
      return
    }
    withUnsafeTemporaryAllocation(of: Int.self, capacity: rank) { index in
      var rest = first
      for d in (0..<rank).reversed() { index[d] = rest % shape[d]; rest /= shape[d] }
      var r = 0
      while r < count {
        let run = Swift.min(count &- r, shape[rank &- 1] &- index[rank &- 1])
        for i in reads.indices {
          let strides = storage.outerStrides.baseAddress! + i &* rank, step = strides[rank &- 1]
          var offset = reads[i].offset
          for d in 0..<rank { offset &+= index[d] &* strides[d] }
          let slots = rowOffsets + (i &* rowsPerChunk &+ r)
          for q in 0..<run { slots[q] = offset; offset &+= step }
        }
        r &+= run
        index[rank &- 1] &+= run
        var d = rank &- 1
        while d > 0 && index[d] == shape[d] { index[d] = 0; index[d &- 1] &+= 1; d &-= 1 }
      }
    }
  }

  /// Input `input`'s lanes for `count` window rows: a pointer into its memory where they are one run there,
  /// else `register` after filling it.
  @inline(__always)
  private static func load(_ read: InputRead, _ count: Int, _ rowOffsets: UnsafeMutablePointer<Int>, _ g: Geometry,
                           into register: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
    let base = read.base, lanes = g.lanes, width = g.width, rows = g.rows
    switch read.access {
    case .image(let rowStride):
      if rowStride == width && (count * lanes) & 7 == 0
        && (1..<Swift.max(1, count)).allSatisfy({ rowOffsets[$0] == rowOffsets[0] &+ $0 &* lanes }) {
        return UnsafeMutablePointer(mutating: base + rowOffsets[0])
      }
      for r in 0..<count {
        for k in 0..<rows {
          copy(base + (rowOffsets[r] &+ k &* rowStride), width, into: register + (r &* lanes &+ k &* width))
        }
      }
    case .pooled:
      for r in 0..<count {
        expandPairs(base + rowOffsets[r], g.positions, rows: rows, into: register + r &* lanes)
      }
    case .splat:
      for r in 0..<count { (register + r &* lanes).update(repeating: base[rowOffsets[r]], count: lanes) }
    }
    return register
  }

  /// Folds the lanes of `count` window rows into their windows' outputs, eight windows (sixteen lanes of each
  /// image row) at a time: a window's rows in order, then its two columns. A row's last block ends at its
  /// last window, overlapping the block before it.
  private static func fold(_ lanes: UnsafeMutablePointer<Float>, _ count: Int, _ g: Geometry, isMax: Bool,
                           into out: UnsafeMutablePointer<Float>) {
    let positions = g.positions, rows = g.rows
    let s = UnsafeRawPointer(lanes), d = UnsafeMutableRawPointer(out)
    let rowBytes = g.width &* 4, windowRowBytes = g.lanes &* 4
    for r in 0..<count {
      var x = 0
      while x < positions {
        let start = Swift.min(x, positions &- 8)
        let o = r &* windowRowBytes &+ start &* 8
        var lo = s.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
        var hi = s.loadUnaligned(fromByteOffset: o &+ 32, as: SIMD8<Float>.self)
        var k = 1
        while k < rows {
          let nextLo = s.loadUnaligned(fromByteOffset: o &+ k &* rowBytes, as: SIMD8<Float>.self)
          let nextHi = s.loadUnaligned(fromByteOffset: o &+ k &* rowBytes &+ 32, as: SIMD8<Float>.self)
          if isMax {
            lo = VectorMath.maximum(lo, nextLo)
            hi = VectorMath.maximum(hi, nextHi)
          } else {
            lo += nextLo
            hi += nextHi
          }
          k &+= 1
        }
        // Spelled lane by lane: the two shuffles then compile to ymm shuffles, `evenHalf` to xmm inserts.
        let even = SIMD8(lo[0], lo[2], lo[4], lo[6], hi[0], hi[2], hi[4], hi[6])
        let odd = SIMD8(lo[1], lo[3], lo[5], lo[7], hi[1], hi[3], hi[5], hi[7])
        d.storeBytes(of: isMax ? VectorMath.maximum(even, odd) : even + odd, toByteOffset: (r &* positions &+ start) &* 4, as: SIMD8<Float>.self)
        x = start &+ 8
      }
    }
  }

  /// Writes `positions` values, each twice, into each of `rows` rows of `2 * positions` lanes: eight values
  /// (sixteen lanes) at a time, the last eight overlapping the ones before them.
  @inline(__always)
  private static func expandPairs(_ src: UnsafePointer<Float>, _ positions: Int, rows: Int, into dst: UnsafeMutablePointer<Float>) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    let rowBytes = positions &* 8
    var x = 0
    while x < positions {
      let start = Swift.min(x, positions &- 8)
      let v = s.loadUnaligned(fromByteOffset: start &* 4, as: SIMD8<Float>.self)
      let low = SIMD8(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3])
      let high = SIMD8(v[4], v[4], v[5], v[5], v[6], v[6], v[7], v[7])
      for k in 0..<rows {
        let o = k &* rowBytes &+ start &* 8
        d.storeBytes(of: low, toByteOffset: o, as: SIMD8<Float>.self)
        d.storeBytes(of: high, toByteOffset: o &+ 32, as: SIMD8<Float>.self)
      }
      x = start &+ 8
    }
  }

  /// Copies `count` floats, at least eight, as vectors; the last one ends at the last float, overlapping the
  /// one before it (a call to `memmove`, or a scalar tail, costs more for the short runs of a window row).
  @inline(__always)
  private static func copy(_ src: UnsafePointer<Float>, _ count: Int, into dst: UnsafeMutablePointer<Float>) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    var i = 0
    while i < count {
      let start = Swift.min(i, count &- 8)
      d.storeBytes(of: s.loadUnaligned(fromByteOffset: start &* 4, as: SIMD8<Float>.self), toByteOffset: start &* 4, as: SIMD8<Float>.self)
      i = start &+ 8
    }
  }
}
