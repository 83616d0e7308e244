import Testing
import Teenygrad

/// Reductions, softmax, argmax/argmin and cumsum against Fixtures/ops/reduce.json.
@Suite struct OpsReduceTests {
  static let ops: OpTable = {
    var ops: OpTable = [
      "sum_simple": { $0[0].sum() },
      "sum_full": { $0[0].sum() },
      "sum_small_full": { $0[0].sum() },
      "sum_fake": { $0[0].sum(axis: 1) },
      "sum_scalar": { $0[0].sum() },
      "sum_relu": { $0[0].relu().sum().relu() },
      "sum_keepdim_all": { $0[0].sum(keepdim: true) },
      "max_3x3": { $0[0].max() },
      "min_3x3": { $0[0].min() },
      "max_scalar": { $0[0].max() },
      "min_scalar": { $0[0].min() },
      "max_mul_half": { $0[0].max().mul(0.5) },
      "min_mul_half": { $0[0].min().mul(0.5) },
      "max_ties": { $0[0].max().mul(0.5) },
      "max_ties_axis1": { $0[0].max(axis: 1) },
      "min_ties_axis0": { $0[0].min(axis: 0) },
      "max_int": { $0[0].max(axis: 1) },
      "max_nan": { $0[0].max() },
      "mean": { $0[0].mean() },
      "mean_scalar": { $0[0].mean() },
      "mean_axes12": { $0[0].mean(axes: [1, 2]) },
      "mean_axis_neg1_keepdim": { $0[0].mean(axis: -1, keepdim: true) },
      "mean_axis0": { $0[0].mean(axis: 0) },
      "std_c1": { $0[0].std() },
      "std_c0": { $0[0].std(correction: 0) },
      "std_c5": { $0[0].std(correction: 5) },
      "std_axes12_c1": { $0[0].std(axes: [1, 2]) },
      "std_axes12_c0": { $0[0].std(axes: [1, 2], correction: 0) },
      "std_keepdim": { $0[0].std(keepdim: true) },
      "std_axis0_keepdim_c0": { $0[0].std(axis: 0, keepdim: true, correction: 0) },
      "softmax": { $0[0].softmax() },
      "softmax_axis0": { $0[0].softmax(axis: 0) },
      "softmax_large": { $0[0].softmax() },
      "log_softmax": { $0[0].logSoftmax() },
      "log_softmax_scalar": { $0[0].logSoftmax() },
      "cumsum_small": { $0[0].cumsum() },
      "cumsum_axis0": { $0[0].cumsum(axis: 0) },
      "cumsum_axis1": { $0[0].cumsum(axis: 1) },
      "cumsum_axis2": { $0[0].cumsum(axis: 2) },
      "cumsum_axis_neg1": { $0[0].cumsum(axis: -1) },
      "cumsum_long": { $0[0].cumsum() },
    ]
    let sumAxes: [(String, [Int])] = [("axis3", [3]), ("axis1", [1]), ("axis_neg1", [-1]), ("axes13", [1, 3]),
                                      ("axes02", [0, 2]), ("axes12", [1, 2]), ("axes_neg1_neg3", [-1, -3])]
    for (name, axes) in sumAxes {
      for keepdim in [false, true] {
        let key = "sum_" + name + (keepdim ? "_keepdim" : "")
        if axes.count == 1 {
          ops[key] = { $0[0].sum(axis: axes[0], keepdim: keepdim) }
        } else {
          ops[key] = { $0[0].sum(axes: axes, keepdim: keepdim) }
        }
      }
    }
    let extremumAxes: [(String, Int?)] = [("", nil), ("_axis1", 1), ("_axis_neg1", -1), ("_axis0", 0)]
    for (name, axis) in extremumAxes {
      for keepdim in [false, true] {
        let suffix = name + (keepdim ? "_keepdim" : "")
        ops["max" + suffix] = { $0[0].max(axis: axis, keepdim: keepdim) }
        ops["min" + suffix] = { $0[0].min(axis: axis, keepdim: keepdim) }
      }
    }
    for (name, axis) in [("axis0", 0), ("axis2", 2), ("axis_neg1", -1)] {
      ops["std_\(name)_c1"] = { $0[0].std(axis: axis) }
      ops["std_\(name)_c0"] = { $0[0].std(axis: axis, correction: 0) }
    }
    for axis in 0..<3 { ops["log_softmax_axis\(axis)"] = { $0[0].logSoftmax(axis: axis) } }
    let arg: [(String, @Sendable (Tensor, Int?, Bool) -> Tensor)] = [
      ("argmax", { $0.argmax(axis: $1, keepdim: $2) }), ("argmin", { $0.argmin(axis: $1, keepdim: $2) }),
    ]
    for (name, fn) in arg {
      ops[name] = { fn($0[0], nil, false) }
      ops[name + "_ties"] = ops[name]
      ops[name + "_axis0"] = { fn($0[0], 0, false) }
      ops[name + "_axis1"] = { fn($0[0], 1, false) }
      ops[name + "_ties_axis1"] = ops[name + "_axis1"]
      ops[name + "_axis1_keepdim"] = { fn($0[0], 1, true) }
      ops[name + "_axis_neg1"] = { fn($0[0], -1, false) }
    }
    return ops
  }()

  @Test(arguments: try OpCheck.names("reduce"))
  func reduce(_ name: String) async {
    await CaseRunner.isolated("reduce", name)
  }

  @Test func everyCaseHasAnExpression() throws {
    try OpCheck.expectTableMatchesFixtures("reduce", Self.ops.keys)
  }

  @Test func argmaxIsInt32() {
    #expect(Tensor([1, 5, 2] as [Float]).argmax().dtype == .int32)
    #expect(Tensor([1, 5, 2] as [Float]).argmin(axis: 0).dtype == .int32)
  }
}
