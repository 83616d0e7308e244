/// Combining steps of the reduce path: folding an evaluated chunk (registers hold `n` valid lanes; lanes
/// past `n` are garbage) into per-output accumulators. Whole chunks sum and max with the
/// `f32_reduce_*` micro-kernels.
enum ReduceChunk {
  @inline(__always)
  static func combineMax(_ a: Float, _ b: Float) -> Float {
    if a.isNaN || b.isNaN { return .nan }
    return a > b ? a : b
  }

  @inline(__always)
  static func accumulateSum(_ acc: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    ElementwiseOps.binary(.add, acc, p, acc, n)
  }

  @inline(__always)
  static func accumulateMax(_ acc: UnsafeMutablePointer<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    ElementwiseOps.binary(.max, acc, p, acc, n)
  }
}

/// A reduce whose reduced values are one float32 input read straight from memory, without padding, with the
/// innermost iteration dim contiguous: the evaluator then runs the `f32_reduce_*` micro-kernels on the input
/// in place instead of copying it into registers chunk by chunk.
///
/// When the innermost dim is reduced, each output sums (or maxes) contiguous rows with
/// ``f32_reduce_sum_avx2(_:count:)``. When it is an output dim, at most one reduced dim may remain (the
/// `rowStride` apart), and ``f32_reduce_sum_strided_avx2(_:rows:rowStride:cols:out:)`` runs across the outputs.
struct DirectReduce {
  /// Output columns per unit of a strided direct reduce: 8 KiB runs of each input row.
  static let stridedBlockWidth = 2_048
  /// The kernel input that holds the values.
  let input: Int
  /// Elements between consecutive rows of the one reduced dim, when the innermost dim is an output dim.
  let rowStride: Int

  /// The direct reduce of a kernel with this program and plan, or nil where its reduced values are not one
  /// float32 input read in place.
  init?(program: ElementwiseProgram, reduceOp: ReduceOp?, plan: IterationPlan, inputDTypes: [DType],
        outerOutCount: Int) {
    guard reduceOp != nil, program.instructions.count == 1,
          case .load(let input, _) = program.instructions[0], inputDTypes[input] == .float32,
          case .strided(_, let strides, nil) = plan.access[input] else { return nil }
    let rank = plan.shape.count
    guard strides[rank - 1] == 1 else { return nil }
    let reducedOuterDims = rank - 1 - outerOutCount
    if !plan.reduce[rank - 1] {
      guard reducedOuterDims <= 1 else { return nil }
      rowStride = reducedOuterDims == 1 ? strides[rank - 2] : 0
    } else {
      rowStride = 0
    }
    self.input = input
  }
}
