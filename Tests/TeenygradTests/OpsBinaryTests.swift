import Testing
import Teenygrad

/// Broadcasting arithmetic, pow, maximum/minimum, matmul, where and comparisons against
/// Fixtures/ops/binary.json.
@Suite struct OpsBinaryTests {
  static let ops: OpTable = {
    var ops: OpTable = [
      "add3": { $0[0] + $0[1] + $0[2] },
      "topo_sort": { $0[0].add($0[0]).mul($0[0]) },
      "mul_const_2": { $0[0] * 2 },
      "mul_const_neg1": { $0[0] * -1 },
      "rmul_const_255": { 255 * $0[0] },
      "mul_const_0": { $0[0] * 0 },
      "add_const_2": { $0[0] + 2 },
      "radd_const_2": { 2 + $0[0] },
      "sub_const_2": { $0[0] - 2 },
      "rsub_const_2": { 2 - $0[0] },
      "div_const_255": { $0[0] / 255 },
      "div_const_1": { $0[0] / 1 },
      "div_const_2": { $0[0] / 2 },
      "div_const_3.5": { $0[0] / 3.5 },
      "rdiv_const_1": { 1 / $0[0] },
      "rdiv_const_2": { 2 / $0[0] },
      "mul_const_inf": { $0[0] * Float.infinity },
      "mul_const_neginf": { $0[0] * -Float.infinity },
      "mul_const_nan": { $0[0] * Float.nan },
      "div_const_inf": { $0[0] / Float.infinity },
      "div_const_neginf": { $0[0] / -Float.infinity },
      "div_const_nan": { $0[0] / Float.nan },
      "rdiv_const_inf": { Float.infinity / $0[0] },
      "rdiv_const_neginf": { -Float.infinity / $0[0] },
      "rdiv_const_nan": { Float.nan / $0[0] },
      "pow_full": { $0[0].pow($0[1]) },
      "pow_const_2": { $0[0].pow(2) },
      "pow_const_3": { $0[0].pow(3) },
      "pow_const_neg2": { $0[0].pow(-2) },
      "pow_const_0.5": { $0[0].pow(0.5) },
      "pow_const_1": { $0[0].pow(1) },
      "pow_const_neg1": { $0[0].pow(-1) },
      "pow_const_1.7": { $0[0].pow(1.7) },
      "pow_const_3_negbase": { $0[0].pow(3) },
      "pow_const_2_negbase": { $0[0].pow(2) },
      "pow_const_0.2_negbase": { $0[0].pow(0.2) },
      "pow_const_1.2_negbase": { $0[0].pow(1.2) },
      "pow_zero_base": { $0[0].pow(1.1) },
      "rpow_tensor_2": { Tensor(Float(2)).pow($0[0]) },
      "rpow_tensor_1": { Tensor(Float(1)).pow($0[0]) },
      "maximum_const": { $0[0].maximum(0.25) },
      "minimum_const": { $0[0].minimum(0.25) },
      "matmul_eye": { $0[0].matmul($0[1]) },
      "matvecmat": { $0[0].matmul($0[1]).relu().matmul($0[2]) },
      "where_const": { ($0[0] .> 0.5).where(4, 2) },
      "where_const_permute": { ($0[0] .> 0.5).where(4, 2).permute(1, 0) },
      "where_tensor_float": { ($0[0] .> 0.5).where($0[1], -1.5) },
      "where_float_tensor": { ($0[0] .> 0.5).where(2.5, $0[1]) },
      "where_bool_condition": { $0[0].where($0[1], $0[2]) },
      "where_inf": { ($0[0] .< 0).where($0[0], 1) },
      "div_int": { $0[0] / 2 },
      "add_int": { $0[0] + $0[1] },
      "mul_int": { $0[0] * $0[1] },
    ]
    let arithmetic: [String: @Sendable (Tensor, Tensor) -> Tensor] = [
      "add": { $0.add($1) }, "sub": { $0.sub($1) }, "mul": { $0.mul($1) }, "div": { $0.div($1) },
    ]
    let operators: [String: @Sendable (Tensor, Tensor) -> Tensor] = [
      "add": { $0 + $1 }, "sub": { $0 - $1 }, "mul": { $0 * $1 }, "div": { $0 / $1 },
    ]
    for (name, method) in arithmetic {
      ops[name] = { method($0[0], $0[1]) }
      ops[name + "_scalar"] = ops[name]
      let op = operators[name]!
      for tag in ["col", "row", "scalar_rhs", "full", "full_both", "partial", "partial5", "lhs_col", "lhs_row"] {
        ops["\(name)_broadcast_\(tag)"] = { op($0[0], $0[1]) }
      }
    }
    for name in ["topo_sort", "mul_const_2", "mul_const_neg1", "rmul_const_255", "mul_const_0", "add_const_2",
                 "radd_const_2", "sub_const_2", "rsub_const_2", "div_const_255", "div_const_1", "div_const_2",
                 "div_const_3.5", "rdiv_const_1", "rdiv_const_2", "pow_const_2", "pow_const_3", "pow_const_neg2",
                 "pow_const_0.5", "pow_const_1", "pow_const_neg1", "pow_const_1.7", "pow_const_3_negbase",
                 "pow_const_2_negbase"] {
      ops[name + "_scalar"] = ops[name]
    }
    for suffix in ["", "_scalar", "_ties", "_broadcast", "_int"] {
      ops["maximum" + suffix] = { $0[0].maximum($0[1]) }
      ops["minimum" + suffix] = { $0[0].minimum($0[1]) }
    }
    for shape in ["2d", "1d_1d", "1d_2d", "2d_1d", "3d_1d", "1d_3d", "batched", "broadcast", "1d_4d", "2d_4d",
                  "multidot", "square8"] {
      ops["matmul_" + shape] = { $0[0].matmul($0[1]) }
      ops["dot_" + shape] = { $0[0].dot($0[1]) }
    }
    for tag in ["bcast_scalars", "bcast_rows", "same", "same2d"] {
      ops["where_" + tag] = { ($0[0] .> 0.5).where($0[1], $0[2]) }
    }
    let comparisons: [String: (@Sendable (Tensor, Tensor) -> Tensor, @Sendable (Tensor, Float) -> Tensor,
                               @Sendable (Float, Tensor) -> Tensor)] = [
      "lt": ({ $0 .< $1 }, { $0 .< $1 }, { $0 .< $1 }),
      "gt": ({ $0 .> $1 }, { $0 .> $1 }, { $0 .> $1 }),
      "le": ({ $0 .<= $1 }, { $0 .<= $1 }, { $0 .<= $1 }),
      "ge": ({ $0 .>= $1 }, { $0 .>= $1 }, { $0 .>= $1 }),
      "eq": ({ $0 .== $1 }, { $0 .== $1 }, { $0 .== $1 }),
      "ne": ({ $0 .!= $1 }, { $0 .!= $1 }, { $0 .!= $1 }),
    ]
    for (name, (tensors, rhsFloat, lhsFloat)) in comparisons {
      for tag in ["same", "bcast_rhs", "bcast_lhs", "ties", "bool", "int"] {
        ops["cmp_\(name)_\(tag)"] = { tensors($0[0], $0[1]) }
      }
      ops["cmp_\(name)_const"] = { rhsFloat($0[0], 2) }
      ops["cmp_\(name)_rconst"] = { lhsFloat(2, $0[0]) }
    }
    return ops
  }()

  @Test(arguments: try OpCheck.names("binary"))
  func binary(_ name: String) async {
    await CaseRunner.isolated("binary", name)
  }

  @Test func everyCaseHasAnExpression() throws {
    try OpCheck.expectTableMatchesFixtures("binary", Self.ops.keys)
  }
}
