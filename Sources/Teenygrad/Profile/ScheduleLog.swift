/// What the scheduler decided while it built one kernel: the bases it inlined and the sources it left
/// in memory, with the reason. Collected only when `DEBUG >= 3`.
struct FusionDecisions {
  private(set) var fused: [String] = []
  private(set) var separate: [String] = []

  mutating func fused(_ base: LazyBuffer) { fused.append(ScheduleLog.describe(base)) }

  mutating func separate(_ base: LazyBuffer, because blocker: FusionBlocker) {
    separate.append("\(ScheduleLog.describe(base)) (\(blocker))")
  }
}

/// The scheduler's `DEBUG=3` and `DEBUG=4` lines: fusion groups, GEMM matches and their tiling, and the
/// fused expression of each kernel.
enum ScheduleLog {
  /// A base as `op shape`: `mul 128x10`, `sum 128x1`, `const 0 1x1`.
  static func describe(_ base: LazyBuffer) -> String {
    let op: String
    switch base.op {
    case .buffer: op = "buffer"
    case .const(let v): op = "const \(v)"
    case .empty: op = "empty"
    case .unary(let u): op = u.name
    case .binary(let b): op = b.name
    case .ternary: op = "where"
    case .reduce(let r): op = r == .max ? "max-reduce" : "sum-reduce"
    case .contiguous: op = "contiguous"
    }
    return op + " " + dims(base.shape)
  }

  /// Logs a kernel the scheduler built: at 3 what it fused and what it reads, at 4 its expression.
  static func kernel(_ k: Kernel, _ decisions: FusionDecisions) {
    DebugLog.print(3, {
      var line = "schedule: kernel \(k.name) -> buffer \(k.output)"
      if !decisions.fused.isEmpty { line += "\n  fuses " + decisions.fused.joined(separator: ", ") }
      if !decisions.separate.isEmpty { line += "\n  reads from memory " + decisions.separate.joined(separator: ", ") }
      return line
    }())
    DebugLog.print(4, {
      var line = "  expr " + k.expr.formula
      if let op = k.reduceOp {
        line = "  expr \(op == .max ? "max" : "sum") over axes \(k.reduceAxes) of " + k.expr.formula
      }
      for (i, input) in k.inputs.enumerated() {
        line += "\n    in\(i) = buffer \(input.buffer) \(input.dtype): "
          + input.st.views.map(\.summary).joined(separator: " | ")
      }
      return line
    }())
  }

  /// Logs a reduce that matched a matrix product: its sizes, which operands were copied first (im2col),
  /// and how the GEMM will be tiled.
  static func gemm(_ g: Kernel, from reduce: Kernel, copied: [Int], viaTemporary: Bool) {
    DebugLog.print(3, {
      guard let s = g.gemm else { return "" }
      let plan = GEMMPlan(batch: s.batch, m: s.m, n: s.n, k: s.k, bMatrices: s.b.batchStride == 0 ? 1 : s.batch,
                          bRowMajor: s.b.isRowMajor, blocking: .forThreads(Runtime.threads))
      let operand = { (name: String, o: GEMMSpec.Operand) in
        "\(name) = in\(o.input) " + (copied.contains(o.input) ? "copied class by class" : "read in place")
          + " (rows " + (o.rowOffsets.map { "from a table of \($0.count)" } ?? "stride \(o.rowStride)")
          + ", cols " + (o.colOffsets.map { "from a table of \($0.count)" } ?? "stride \(o.colStride)") + ")"
      }
      var line = "schedule: GEMM for \(reduce.name): batch \(s.batch) M \(s.m) N \(s.n) K \(s.k)"
      line += "\n  " + operand("A", s.a) + "\n  " + operand("B", s.b)
      line += "\n  C ldc \(s.ldc)" + (viaTemporary ? " into a class-ordered temporary, then copied into place" : "")
      line += "\n  tiles \(plan.tileCount) (\(plan.mTiles) x \(plan.nTiles) per matrix), K blocks \(plan.kBlocks)"
        + (plan.sharesB ? ", B packed once and shared" : plan.readsBInPlace ? ", B read in place" : ", B packed per tile")
      return line
    }())
  }

  /// Logs a GEMM that now adds its C straight into the window sum that read it.
  static func scatter(_ g: Kernel, into sum: Kernel) {
    DebugLog.print(3, {
      guard let s = g.gemm else { return "" }
      let plan = GEMMPlan(batch: s.batch, m: s.m, n: s.n, k: s.k, blocking: .forThreads(Runtime.threads), columnGroup: s.scatterColumns)
      return "schedule: \(g.name) adds into \(sum.name) -> buffer \(g.output) (columns in groups of "
        + "\(s.scatterColumns ?? s.n), tiles \(plan.tileCount))"
    }())
  }

  /// Logs a reduce that stays a reduce although it multiplies two loads.
  static func noGEMM(_ k: Kernel, reason: String) {
    DebugLog.print(3, "schedule: no GEMM for \(k.name): \(reason)")
  }

  private static func dims(_ shape: [Int]) -> String {
    shape.isEmpty ? "1" : shape.map(String.init).joined(separator: "x")
  }
}
