/// What a micro-kernel computes; the names match the profiler's `kind` column.
enum MicroKernelKind: String, Sendable {
  case gemm
  case reduce
}

/// The buffers of one standard micro-kernel call (see ``MicroKernel``).
struct MicroKernelCall {
  /// The kernel's free size: the GEMM depth, or the length of the reduced axis.
  var depth: Int
  var a: UnsafePointer<Float>
  var b: UnsafePointer<Float>
  var out: UnsafeMutablePointer<Float>
}

/// One SIMD micro-kernel with its scalar reference twin, described so that tests, benchmarks and the
/// profiler drive every kernel the same way.
///
/// The standard call reads `aCount(depth)` floats at `a` and `bCount(depth)` at `b` (kernels with one
/// input ignore `b`) and writes `tileRows * tileCols` floats at `out`.
struct MicroKernel: Sendable {
  let name: String
  let referenceName: String
  let kind: MicroKernelKind
  /// Outputs one call produces.
  let tileRows: Int
  let tileCols: Int
  let aCount: @Sendable (_ depth: Int) -> Int
  let bCount: @Sendable (_ depth: Int) -> Int
  /// Floating-point operations of one standard call (a multiply-add counts two).
  let flops: @Sendable (_ depth: Int) -> Int
  let run: @Sendable (MicroKernelCall) -> Void
  let reference: @Sendable (MicroKernelCall) -> Void

  var outCount: Int { tileRows * tileCols }
}

/// Every micro-kernel in the library.
enum MicroKernelRegistry {
  static let all: [MicroKernel] = [gemm6x16, reduceSum, reduceMax, reduceSumStrided, reduceMaxStrided, dot, dot3x3,
                                     dot6x2]

  /// The kernel called `name`, if any.
  static func named(_ name: String) -> MicroKernel? {
    all.first { $0.name == name }
  }

  /// Columns (and row stride) of the strided reduce kernels' standard call: four vectors, one more and
  /// three scalar columns, so every code path runs.
  static let stridedCols = 43

  private static let gemm6x16 = MicroKernel(
    name: "f32_gemm_6x16_avx2", referenceName: "f32_gemm_6x16_reference", kind: .gemm,
    tileRows: F32GEMMTile.rows, tileCols: F32GEMMTile.cols,
    aCount: { $0 * F32GEMMTile.rows }, bCount: { $0 * F32GEMMTile.cols },
    flops: { 2 * F32GEMMTile.rows * F32GEMMTile.cols * $0 },
    run: { f32_gemm_6x16_avx2(depth: $0.depth, a: $0.a, b: $0.b, c: $0.out, ldc: F32GEMMTile.cols,
                              rows: F32GEMMTile.rows, cols: F32GEMMTile.cols, accumulate: false) },
    reference: { f32_gemm_6x16_reference(depth: $0.depth, a: $0.a, b: $0.b, c: $0.out,
                                         ldc: F32GEMMTile.cols, rows: F32GEMMTile.rows,
                                         cols: F32GEMMTile.cols, accumulate: false) })

  private static let reduceSum = MicroKernel(
    name: "f32_reduce_sum_avx2", referenceName: "f32_reduce_sum_reference", kind: .reduce,
    tileRows: 1, tileCols: 1, aCount: { $0 }, bCount: { _ in 0 }, flops: { $0 },
    run: { $0.out[0] = f32_reduce_sum_avx2($0.a, count: $0.depth) },
    reference: { $0.out[0] = f32_reduce_sum_reference($0.a, count: $0.depth) })

  private static let reduceMax = MicroKernel(
    name: "f32_reduce_max_avx2", referenceName: "f32_reduce_max_reference", kind: .reduce,
    tileRows: 1, tileCols: 1, aCount: { $0 }, bCount: { _ in 0 }, flops: { $0 },
    run: { $0.out[0] = f32_reduce_max_avx2($0.a, count: $0.depth) },
    reference: { $0.out[0] = f32_reduce_max_reference($0.a, count: $0.depth) })

  private static let reduceSumStrided = MicroKernel(
    name: "f32_reduce_sum_strided_avx2", referenceName: "f32_reduce_sum_strided_reference",
    kind: .reduce, tileRows: 1, tileCols: stridedCols,
    aCount: { $0 * stridedCols }, bCount: { _ in 0 }, flops: { $0 * stridedCols },
    run: { f32_reduce_sum_strided_avx2($0.a, rows: $0.depth, rowStride: stridedCols,
                                       cols: stridedCols, out: $0.out) },
    reference: { f32_reduce_sum_strided_reference($0.a, rows: $0.depth, rowStride: stridedCols,
                                                  cols: stridedCols, out: $0.out) })

  private static let reduceMaxStrided = MicroKernel(
    name: "f32_reduce_max_strided_avx2", referenceName: "f32_reduce_max_strided_reference",
    kind: .reduce, tileRows: 1, tileCols: stridedCols,
    aCount: { $0 * stridedCols }, bCount: { _ in 0 }, flops: { $0 * stridedCols },
    run: { f32_reduce_max_strided_avx2($0.a, rows: $0.depth, rowStride: stridedCols,
                                       cols: stridedCols, out: $0.out) },
    reference: { f32_reduce_max_strided_reference($0.a, rows: $0.depth, rowStride: stridedCols,
                                                  cols: stridedCols, out: $0.out) })

  private static let dot = MicroKernel(
    name: "f32_dot_avx2", referenceName: "f32_dot_reference", kind: .reduce,
    tileRows: 1, tileCols: 1, aCount: { $0 }, bCount: { $0 }, flops: { 2 * $0 },
    run: { $0.out[0] = f32_dot_avx2($0.a, $0.b, count: $0.depth) },
    reference: { $0.out[0] = f32_dot_reference($0.a, $0.b, count: $0.depth) })

  /// The 3x3 dot-product block's standard call: rows `depth` floats apart in `a` and `b`, walked as two runs
  /// of `depth / 2` when `depth` is even (the first run's tail loads as a masked vector, the second's, at the
  /// end of the buffer, lane by lane), else as one run.
  private static let dot3x3 = MicroKernel(
    name: "f32_dot_3x3_avx2", referenceName: "f32_dot_3x3_reference", kind: .gemm,
    tileRows: F32DotTile.rows, tileCols: F32DotTile.cols,
    aCount: { F32DotTile.rows * $0 }, bCount: { F32DotTile.cols * $0 },
    flops: { 2 * F32DotTile.rows * F32DotTile.cols * $0 },
    run: { call in standardDotCall(call) { f32_dot_3x3_avx2($0, runs: $1, out: call.out) } },
    reference: { call in standardDotCall(call) { f32_dot_3x3_reference($0, runs: $1, out: call.out) } })

  /// The narrow 6x2 dot-product block's standard call: six A rows and two B columns `depth` floats apart, each
  /// buffer ending at the last row's end (a tail of K loads lane by lane).
  private static let dot6x2 = MicroKernel(
    name: "f32_dot_6x2_avx2", referenceName: "f32_dot_6x2_reference", kind: .gemm,
    tileRows: F32NarrowDotTile.rows, tileCols: F32NarrowDotTile.cols,
    aCount: { F32NarrowDotTile.rows * $0 }, bCount: { F32NarrowDotTile.cols * $0 },
    flops: { 2 * F32NarrowDotTile.rows * F32NarrowDotTile.cols * $0 },
    run: { call in f32_dot_6x2_avx2(standardNarrowBlock(call), depth: call.depth, out: call.out) },
    reference: { call in f32_dot_6x2_reference(standardNarrowBlock(call), depth: call.depth, out: call.out) })

  private static func standardNarrowBlock(_ call: MicroKernelCall) -> NarrowDotBlock {
    let d = call.depth
    return NarrowDotBlock(a: (call.a, call.a + d, call.a + 2 * d, call.a + 3 * d, call.a + 4 * d, call.a + 5 * d),
                          b: (call.b, call.b + d), aLimit: d, bLimit: d)
  }

  private static func standardDotCall(_ call: MicroKernelCall, _ body: (DotBlock, DotRuns) -> Void) {
    let d = call.depth
    let two = d > 0 && d % 2 == 0
    let starts = two ? [0, d / 2] : [0]
    let block = DotBlock(a: (call.a, call.a + d, call.a + 2 * d), b: (call.b, call.b + d, call.b + 2 * d),
                         aLimit: d, bLimit: d)
    starts.withUnsafeBufferPointer { s in
      body(block, DotRuns(count: s.count, length: two ? d / 2 : d, aStarts: s.baseAddress!, bStarts: s.baseAddress!))
    }
  }
}
