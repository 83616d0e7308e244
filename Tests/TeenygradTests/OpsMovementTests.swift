import Testing
import Teenygrad

/// Movement ops (reshape, expand, permute, flip, shrink, pad, cat, stack, repeat...) against
/// Fixtures/ops/movement.json.
@Suite struct OpsMovementTests {
  static let ops: OpTable = {
    var ops: OpTable = [
      "reshape_infer_first": { $0[0].reshape(-1, 3, 2, 2) },
      "reshape_infer_ones": { $0[0].reshape(-1, 1, 2, 2) },
      "reshape_flat": { $0[0].reshape(12) },
      "reshape_scalar_to_scalar": { $0[0].reshape([]) },
      "reshape_one_to_scalar": { $0[0].reshape([]) },
      "reshape_scalar_to_one": { $0[0].reshape(1) },
      "reshape_3d": { $0[0].reshape([2, 3, 4]) },
      "expand": { $0[0].expand(2, 3, 2, 4) },
      "expand_keep": { $0[0].expand(-1, -1, 5, -1) },
      "expand_new_axes": { $0[0].reshape(1, 3, 1).expand([2, 3, 4]) },
      "expand_scalar": { $0[0].expand([]) },
      "permute_3021": { $0[0].permute(3, 0, 2, 1) },
      "permute_3210": { $0[0].permute([3, 2, 1, 0]) },
      "permute_scalar": { $0[0].permute([]) },
      "transpose_12": { $0[0].transpose(1, 2) },
      "transpose_02": { $0[0].transpose(0, 2) },
      "transpose_default": { $0[0].transpose() },
      "transpose_neg": { $0[0].transpose(-1, -2) },
      "T": { $0[0].T },
      "flip_0": { $0[0].flip(0) },
      "flip_01": { $0[0].flip(0, 1) },
      "flip_013": { $0[0].flip(0, 1, 3) },
      "flip_3": { $0[0].flip(3) },
      "flip_neg1": { $0[0].flip(-1) },
      "flip_none": { $0[0].flip() },
      "flip_twice": { $0[0].flip(0, 1, 3).flip(0) },
      "flip_scalar_none": { $0[0].flip() },
      "flip_one_none": { $0[0].flip() },
      "shrink": { $0[0].shrink([(1, 3), nil, (0, 2)]) },
      "shrink_all": { $0[0].shrink([(1, 4), (2, 3)]) },
      "pad": { $0[0].pad([(3, 4), (1, 2)]) },
      "pad_value5": { $0[0].pad([(3, 4), (1, 2)], value: 5) },
      "pad_value_inf": { $0[0].pad([(3, 4), (1, 2)], value: .infinity) },
      "pad_value_neginf": { $0[0].pad([(3, 4), (1, 2)], value: -.infinity) },
      "pad_none_axis": { $0[0].pad([(3, 4), nil], value: 1) },
      "pad_nothing": { $0[0].pad([nil, nil], value: 1) },
      "pad_3d": { $0[0].pad([(0, 1), nil, (2, 0)]) },
      "pad2d": { $0[0].pad2d([1, 2, 3, 4]) },
      "pad2d_negative": { $0[0].pad2d([-1, 2, -2, 4]) },
      "pad2d_value5": { $0[0].pad2d([1, 2, 3, 4], value: 5) },
      "pad2d_negative_value5": { $0[0].pad2d([-1, 2, -2, 4], value: 5) },
      "padding_add": { $0[0] + $0[1].pad2d([2, 2, 2, 2]) },
      "flatten_0": { $0[0].flatten() },
      "flatten_1": { $0[0].flatten(startDim: 1) },
      "flatten_2": { $0[0].flatten(startDim: 2) },
      "flatten_scalar": { $0[0].flatten() },
      "flatten_one": { $0[0].flatten() },
      "squeeze_dim0": { $0[0].squeeze(0) },
      "squeeze_dim1_noop": { $0[0].squeeze(1) },
      "squeeze_dim2": { $0[0].squeeze(2) },
      "squeeze_dim_neg1": { $0[0].squeeze(-1) },
      "squeeze_all_noop": { $0[0].squeeze() },
      "squeeze_all_first": { $0[0].squeeze() },
      "squeeze_all_last": { $0[0].squeeze() },
      "squeeze_all_many": { $0[0].squeeze() },
      "squeeze_scalar_neg1": { $0[0].squeeze(-1) },
      "squeeze_scalar_0": { $0[0].squeeze(0) },
      "squeeze_scalar": { $0[0].squeeze() },
      "unsqueeze_0": { $0[0].unsqueeze(0) },
      "unsqueeze_4": { $0[0].unsqueeze(4) },
      "unsqueeze_neg1": { $0[0].unsqueeze(-1) },
      "unsqueeze_neg3": { $0[0].unsqueeze(-3) },
      "unsqueeze_scalar": { $0[0].unsqueeze(0) },
      "cat_uneven": { $0[0].cat($0[1], $0[2]) },
      "cat_uneven_dim1": { $0[0].cat($0[1], dim: 1) },
      "stack_scalars": { Tensor.stack([$0[0], $0[1]]) },
      "repeat_zero": { $0[0].repeating([2, 0, 4]) },
      "contiguous": { $0[0].contiguous() },
      "contiguous_transposed": { $0[0].T.contiguous() },
      "detach": { $0[0].detach() },
    ]
    for dim in -2...2 {
      ops["cat_dim\(dim)".replacingOccurrences(of: "-", with: "neg")] = { $0[0].cat($0[1], $0[2], dim: dim) }
    }
    for dim in -1...1 {
      ops["cat2d_dim\(dim)".replacingOccurrences(of: "-", with: "neg")] = { $0[0].cat($0[1], $0[2], dim: dim) }
    }
    for dim in -1...3 {
      ops["stack_dim\(dim)".replacingOccurrences(of: "-", with: "neg")] = { Tensor.stack([$0[0], $0[1], $0[2]], dim: dim) }
    }
    for extra in [[], [2], [2, 1], [1, 2, 2]] {
      let repeats = [2, 1, 3] + extra
      let tag = repeats.map(String.init).joined(separator: "_")
      ops["repeat_" + tag] = { $0[0].repeating(repeats) }
      ops["repeat_scalar_" + tag] = ops["repeat_" + tag]
    }
    return ops
  }()

  @Test(arguments: try OpCheck.names("movement"))
  func movement(_ name: String) async {
    await CaseRunner.isolated("movement", name)
  }

  @Test func everyCaseHasAnExpression() throws {
    try OpCheck.expectTableMatchesFixtures("movement", Self.ops.keys)
  }

  @Test func detachStopsGradient() {
    let x = Tensor([1, 2, 3] as [Float], requiresGrad: true)
    let y = Tensor([4, 5, 6] as [Float], requiresGrad: true)
    (x * 2 + y.detach() * 3).sum().backward()
    expectClose(x.grad?.toArray() ?? [], [2, 2, 2] as [Float])
    #expect(y.grad == nil)
  }
}
