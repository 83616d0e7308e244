/// What a kernel does, for profiles and the DEBUG ladder.
enum KernelKind: String, Sendable {
  case elementwise, reduce, gemm, copy, other
}

/// The fused expression a kernel evaluates at every point of its iteration space.
indirect enum KernelExpr: Hashable, Sendable {
  /// Kernel input `i`, read through its view and converted to Float.
  case load(Int)
  case const(Float)
  case unary(UnaryOp, KernelExpr)
  case binary(BinaryOp, KernelExpr, KernelExpr)
  case ternary(TernaryOp, KernelExpr, KernelExpr, KernelExpr)

  /// ALU operations per evaluation (loads and constants are free).
  var opCount: Int {
    switch self {
    case .load, .const: 0
    case .unary(_, let a): 1 + a.opCount
    case .binary(_, let a, let b): 1 + a.opCount + b.opCount
    case .ternary(_, let a, let b, let c): 1 + a.opCount + b.opCount + c.opCount
    }
  }

  /// Op names from the root down, for kernel names (`relu_mul`).
  var opNames: [String] {
    switch self {
    case .load, .const: []
    case .unary(let op, let a): [op.name] + a.opNames
    case .binary(let op, let a, let b): [op.name] + a.opNames + b.opNames
    case .ternary(_, let a, let b, let c): ["where"] + a.opNames + b.opNames + c.opNames
    }
  }
}

extension UnaryOp {
  var name: String {
    switch self {
    case .neg: "neg"
    case .exp2: "exp2"
    case .log2: "log2"
    case .sin: "sin"
    case .sqrt: "sqrt"
    case .cast(let d): "cast_\(d)"
    }
  }
}

extension BinaryOp {
  var name: String {
    switch self {
    case .add: "add"
    case .sub: "sub"
    case .mul: "mul"
    case .div: "div"
    case .max: "max"
    case .cmplt: "cmplt"
    }
  }
}

/// One buffer a kernel reads, and the view through which it reads it (in the kernel's iteration shape).
struct KernelInput: Sendable {
  var buffer: Int
  var st: ShapeTracker
  var dtype: DType
}

/// A batched matrix product the scheduler recognised in `SUM(MUL(a, b))`: C[b][m][n] = sum_k A[b][m][k] B[b][k][n].
/// Offsets and strides are in elements of the operand buffers.
///
/// An operand whose rows (or columns) span several axes that do not collapse into one stride (conv's
/// windows, an output gradient read with the batch inside its channels) carries a table of per-row (or
/// per-column) offsets instead, and its panels are packed straight from the view.
struct GEMMSpec: Sendable {
  struct Operand: Sendable {
    var input: Int
    var offset: Int
    var rowStride: Int
    var colStride: Int
    var batchStride: Int
    /// Per row, its offset from `offset`, where the rows do not collapse into `rowStride`.
    var rowOffsets: [Int]? = nil
    /// Per column, its offset from `offset`, where the columns do not collapse into `colStride`.
    var colOffsets: [Int]? = nil

    /// Whether the operand is strided with contiguous rows (no offset tables, column stride 1).
    var isRowMajor: Bool { rowOffsets == nil && colOffsets == nil && colStride == 1 }
  }
  var batch: Int, m: Int, n: Int, k: Int
  var a: Operand
  var b: Operand
  var ldc: Int
  var cBatchStride: Int
  /// Per row of C, its offset, where C's rows do not collapse into `ldc` (else nil).
  var cRowOffsets: [Int]? = nil
  /// Per column of C, its offset, where C's columns are not unit-stride (else nil).
  var cColOffsets: [Int]? = nil
  /// Length of the runs along K in which both operands step one float at a time (1: none).
  var kRun = 1
  /// Set when C's offset tables send several elements to one output element (a product fused with the
  /// col2im that sums it, ``ScatterFusion``): the output is zeroed and C adds into it, and tiles cut C's
  /// columns only at multiples of this count, the same way at every thread count, so each output element
  /// adds its terms in one fixed order.
  var scatterColumns: Int? = nil

  /// Whether the product runs as blocks of dot products (``DotGEMM``) instead of packed panels.
  var runsAsDotProducts: Bool { DotGEMM.layout(self) != nil }

  /// The micro-kernel the product runs on, as the registry names it.
  var microKernelName: String {
    switch DotGEMM.layout(self) {
    case .inPlace?, .copiedB?: return "f32_dot_3x3_avx2"
    case .narrow?: return "f32_dot_6x2_avx2"
    case nil: return "f32_gemm_6x16_avx2"
    }
  }

  /// The operands of Cᵀ = Bᵀ Aᵀ: swapped and read transposed, with M and N swapped. C's layout is left for
  /// the caller to set.
  var transposedOperands: GEMMSpec {
    func flipped(_ o: Operand) -> Operand {
      Operand(input: o.input, offset: o.offset, rowStride: o.colStride, colStride: o.rowStride,
              batchStride: o.batchStride, rowOffsets: o.colOffsets, colOffsets: o.rowOffsets)
    }
    var t = self
    (t.m, t.n, t.a, t.b) = (n, m, flipped(b), flipped(a))
    return t
  }
}

/// A plain description of one kernel: what it reads, what it computes, where it writes. The scheduler makes
/// it, the runtime executes it, the profiler reads it.
struct Kernel: Sendable {
  var kind: KernelKind
  /// Index of the output in the schedule's buffer table.
  var output: Int
  var outputDType: DType
  /// The iteration space: the output shape, or for reduces the input shape.
  var shape: [Int]
  /// Axes of `shape` that are reduced (output has size 1 there).
  var reduceAxes: [Int]
  var reduceOp: ReduceOp?
  var inputs: [KernelInput]
  var expr: KernelExpr
  var gemm: GEMMSpec?
  /// How the executor runs it, set by the scheduler once the schedule is final.
  var route: KernelRoute?

  var outputShape: [Int] { shape.indices.map { reduceAxes.contains($0) ? 1 : shape[$0] } }
  /// The product of ``outputShape``, computed without building it (the executor asks for it on every run).
  var outputCount: Int {
    var count = 1
    for d in shape.indices where !reduceAxes.contains(d) { count *= shape[d] }
    return count
  }
  var iterationCount: Int { shape.reduce(1, *) }

  /// Floating-point operations, from the description.
  var flops: Int {
    if let g = gemm { return 2 * g.batch * g.m * g.n * g.k }
    return iterationCount * (expr.opCount + (reduceOp == nil ? 0 : 1)) - (reduceOp == nil ? 0 : outputCount)
  }

  /// Bytes moved: every input element the views can reach once, plus the output.
  func bytes(inputCounts: [Int], outputBufferCount: Int) -> Int {
    // A GEMM fused with its col2im writes its image, which is smaller than the product.
    var total = Swift.min(outputCount, outputBufferCount) * outputDType.itemSize
    for (i, input) in inputs.enumerated() {
      total += Swift.min(inputCounts[i], input.st.size) * input.dtype.itemSize
    }
    return total
  }

  /// tinygrad-style name: `E_relu_mul 128x8x26x26`, `R_sum 4096 -> 1`, `f32_gemm_6x16_avx2 128x784x128`.
  var name: String {
    let dims = { (s: [Int]) in s.isEmpty ? "1" : s.map(String.init).joined(separator: "x") }
    switch kind {
    case .gemm:
      let g = gemm!
      return g.microKernelName + " " + (g.batch > 1 ? "\(g.batch)x" : "")
        + "\(g.m)x\(g.k)x\(g.n)" + (g.scatterColumns == nil ? "" : " +col2im")
    case .reduce:
      let ops = [reduceOp == .max ? "max" : "sum"] + Array(expr.opNames.prefix(3))
      return "R_" + ops.joined(separator: "_") + " \(dims(shape)) -> \(dims(outputShape))"
    case .copy:
      return "C_copy \(dims(shape))"
    case .elementwise, .other:
      let ops = expr.opNames.prefix(4)
      return "E_" + (ops.isEmpty ? "fill" : ops.joined(separator: "_")) + " \(dims(shape))"
    }
  }
}

/// The buffers a schedule touches: realized ones it reads, the ones its kernels write, and temporaries.
struct ScheduledBuffer {
  var dtype: DType
  var count: Int
  /// The lazy base that owns the memory once computed; nil for a temporary.
  var owner: LazyBuffer?
  /// Memory that already exists (an input).
  var existing: Buffer?
}

/// Kernels in execution order and the buffers they use.
struct Schedule {
  var buffers: [ScheduledBuffer] = []
  var kernels: [Kernel] = []
}
