import Testing
import Teenygrad

/// Subscripts (integers, ranges with positive and negative steps, newAxis, ellipsis, int32 tensors) and
/// gather against Fixtures/ops/indexing.json.
@Suite struct OpsIndexingTests {
  static let ops: OpTable = {
    var ops: OpTable = [
      "range_1_3": { $0[0][.range(1, 3)] },
      "range_0_2": { $0[0][.range(0, 2)] },
      "range_neg2_2": { $0[0][.range(-2, 2)] },
      "newaxis_scalar": { $0[0][.newAxis] },
      "int_1": { $0[0][1] },
      "int_neg2": { $0[0][-2] },
      "int_neg1": { $0[0][-1] },
      "int_row": { $0[0][1] },
      "int_3": { $0[0][1, 1, 1] },
      "multi_range": { $0[0][.range(1, 2)] },
      "multi_range_int": { $0[0][.range(1, 2), 2] },
      "multi_range_range": { $0[0][.range(1, 2), .range(1, 2)] },
      "multi_range_range_neg": { $0[0][.range(1, 2), .range(1, 2), .range(0, -1)] },
      "newaxis": { $0[0][.newAxis] },
      "range_newaxis": { $0[0][.range(1, 2), .newAxis] },
      "range_newaxis_range": { $0[0][.range(1, 2), .newAxis, .range(1, 2)] },
      "range_range_newaxis_int": { $0[0][.range(1, 2), .range(1, 2), .newAxis, -1] },
      "out_of_bounds_end": { $0[0][.range(0, 4)] },
      "out_of_bounds_both": { $0[0][.range(-6, 4)] },
      "out_of_bounds_50": { $0[0][.range(1, 50)] },
      "out_of_bounds_mixed": { $0[0][.range(1, 50), .range(1, 2), -1] },
      "step_2_3_4": { $0[0][.range(nil, nil, step: 2), .range(nil, nil, step: 3), .range(nil, nil, step: 4)] },
      "step_range_2": { $0[0][.range(1, 5, step: 2), .range(nil, nil, step: 3), .range(nil, nil, step: 4)] },
      "step_int": { $0[0][.range(1, 5, step: 2), 3, .range(nil, nil, step: 4)] },
      "step_newaxes": { $0[0][.range(1, 5, step: 2), .newAxis, .newAxis, 3, .newAxis, .range(nil, nil, step: 4)] },
      "neg_step_1": { $0[0][.range(nil, nil, step: -1)] },
      "neg_step_2": { $0[0][.range(nil, nil, step: -2)] },
      "neg_step_range": { $0[0][.all, .range(2, 0, step: -1)] },
      "neg_step_two_axes": { $0[0][.all, .range(2, 0, step: -1), .range(3, 1, step: -2)] },
      "neg_step_three_axes": { $0[0][.range(3, 0, step: -3), .range(2, 0, step: -1), .range(-1, -5, step: -2)] },
      "ellipsis_int": { $0[0][.ellipsis, 0] },
      "int_ellipsis": { $0[0][0, .ellipsis] },
      "int_ellipsis_int": { $0[0][0, .ellipsis, 0] },
      "range_ellipsis_range": { $0[0][.range(0, 3), .ellipsis, .range(2, 3)] },
      "newaxis_range_ellipsis_int_newaxis": { $0[0][.newAxis, .range(0, 3), .ellipsis, 0, .newAxis] },
      "all_int": { $0[0][.all, 0] },
      "empty_both_out_of_bounds": { $0[0][.range(5, 10)] },
      "empty_both_negative": { $0[0][.range(-15, -7)] },
      "empty_start_after_end": { $0[0][.range(-2, -5)] },
      "empty_range": { $0[0][.range(1, 1)] },
      "empty_neg_step": { $0[0][.range(2, 5, step: -1)] },
      "start_after_end_nonempty": { $0[0][.range(-2, 2)] },
      "double_slice_cols_rows": { $0[0][.all, .range(1, 2)][.range(1, 2)] },
      "double_slice_rows_rows": { $0[0][.range(1, 3)][.range(1, 2)] },
      "double_slice_cols_first": { $0[0][.all, .range(1, 2)][.range(0, 1)] },
      "double_slice_cols_cols": { $0[0][.all, .range(1, 2)][.all, .range(0, 1)] },
      // fancy indexing: inputs are x then the index tensors in the order a, b, c, d, e that the case uses
      "fancy_abcde": { $0[0][.tensor($0[1]), .tensor($0[2]), .tensor($0[3]), .tensor($0[4]), .tensor($0[5])] },
      "fancy_all_bcd_all": { $0[0][.all, .tensor($0[1]), .tensor($0[2]), .tensor($0[3]), .all] },
      "fancy_ab_ellipsis": { $0[0][.tensor($0[1]), .tensor($0[2]), .ellipsis] },
      "fancy_a_ellipsis_e": { $0[0][.tensor($0[1]), .ellipsis, .tensor($0[2])] },
      "fancy_ellipsis_c_all_e": { $0[0][.ellipsis, .tensor($0[1]), .all, .tensor($0[2])] },
      "fancy_int_bcde": { $0[0][1, .tensor($0[1]), .tensor($0[2]), .tensor($0[3]), .tensor($0[4])] },
      "fancy_ab_int_de": { $0[0][.tensor($0[1]), .tensor($0[2]), 3, .tensor($0[3]), .tensor($0[4])] },
      "fancy_int_b_int_d_int": { $0[0][1, .tensor($0[1]), 2, .tensor($0[2]), 1] },
      "fancy_a_int_int_int_e": { $0[0][.tensor($0[1]), 2, 2, 2, .tensor($0[2])] },
      "fancy_int_all_step_d_range": { $0[0][1, .all, .range(1, 4, step: 2), .tensor($0[1]), .range(0, 2)] },
      "fancy_none_bcde": { $0[0][.newAxis, .tensor($0[1]), .tensor($0[2]), .tensor($0[3]), .tensor($0[4])] },
      "fancy_abcd_none": { $0[0][.tensor($0[1]), .tensor($0[2]), .tensor($0[3]), .tensor($0[4]), .newAxis] },
      "fancy_ab_none_de": { $0[0][.tensor($0[1]), .tensor($0[2]), .newAxis, .tensor($0[3]), .tensor($0[4])] },
      "fancy_none_bcd_none": { $0[0][.newAxis, .tensor($0[1]), .tensor($0[2]), .tensor($0[3]), .newAxis] },
      "fancy_a_all_none_de": { $0[0][.tensor($0[1]), .all, .newAxis, .tensor($0[2]), .tensor($0[3])] },
      "fancy_int_b_none_d_int": { $0[0][1, .tensor($0[1]), .newAxis, .tensor($0[2]), 1] },
      "fancy_none_b_int_d_none": { $0[0][.newAxis, .tensor($0[1]), 2, .tensor($0[2]), .newAxis] },
      "fancy_ellipsis_int_d_none": { $0[0][.ellipsis, 1, .tensor($0[1]), .newAxis] },
      "fancy_2d_index_and_scalar_index": { $0[0][.tensor($0[1]), .tensor($0[2])] },
      "fancy_1d_index_and_2d_index": { $0[0][.tensor($0[1]), .tensor($0[2])] },
      "fancy_single": { $0[0][.tensor($0[1])] },
      "fancy_single_axis1": { $0[0][.all, .tensor($0[1])] },
      "gather_dim0": { $0[0].gather($0[1], dim: 0) },
      "gather_dim1": { $0[0].gather($0[1], dim: 1) },
      "gather_dim2": { $0[0].gather($0[1], dim: 2) },
      "gather_dimneg1": { $0[0].gather($0[1], dim: -1) },
      "gather_same_shape": { $0[0].gather($0[1], dim: 0) },
      "gather_repeated_index": { $0[0].gather($0[1], dim: 1) },
    ]
    return ops
  }()

  @Test(arguments: try OpCheck.names("indexing"))
  func indexing(_ name: String) async {
    await CaseRunner.isolated("indexing", name)
  }

  @Test func everyCaseHasAnExpression() throws {
    try OpCheck.expectTableMatchesFixtures("indexing", Self.ops.keys)
  }

  @Test func indexCaseSpellings() {
    let x = Tensor((0..<12).map(Float.init), shape: [3, 4])
    expectClose(x[.index(2)].toArray(), [8, 9, 10, 11] as [Float])
    expectClose(x[2].toArray(), x[.index(-1)].toArray())
    expectClose(x[.range(1, nil)].toArray(), (4..<12).map(Float.init))
    expectClose(x[.all, .range(nil, nil, step: -1)][0].toArray(), [3, 2, 1, 0] as [Float])
    #expect(x[.newAxis, .ellipsis, .newAxis].shape == [1, 3, 4, 1])
    #expect(x[.tensor(Tensor([2, 0] as [Int32]))].shape == [2, 4])
  }
}
