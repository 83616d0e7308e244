import Testing
import Teenygrad

/// Functional nn ops (linear, conv2d and its variants, convTranspose2d, pools, norms, attention, losses,
/// triu/tril) against Fixtures/ops/nn.json.
@Suite struct OpsNNTests {
  static let ops: OpTable = {
    var ops: OpTable = [
      "linear": { $0[0].linear($0[1], bias: $0[2]) },
      "linear_no_bias": { $0[0].linear($0[1]) },
      "linear_1d_weight": { $0[0].linear($0[1]) },
      "layernorm": { $0[0].layernorm() },
      "layernorm_axis1": { $0[0].layernorm(axis: 1) },
      "layernorm_eps": { $0[0].layernorm(eps: 0.1) },
      "batchnorm": { $0[0].batchnorm(weight: $0[1], bias: $0[2], mean: $0[3], invstd: $0[4]) },
      "batchnorm_no_affine": { $0[0].batchnorm(weight: nil, bias: nil, mean: $0[1], invstd: $0[2]) },
      "attention": { $0[0].scaledDotProductAttention(key: $0[1], value: $0[2]) },
      "attention_mask": { $0[0].scaledDotProductAttention(key: $0[1], value: $0[2], attnMask: $0[3]) },
      "attention_causal": { $0[0].scaledDotProductAttention(key: $0[1], value: $0[2], isCausal: true) },
      "attention_bool_mask": { $0[0].scaledDotProductAttention(key: $0[1], value: $0[2], attnMask: $0[3]) },
      "binary_crossentropy": { $0[0].sigmoid().binaryCrossentropy($0[1].clip(0, 1)) },
      "binary_crossentropy_logits": { $0[0].binaryCrossentropyLogits($0[1].clip(0, 1)) },
      "binary_crossentropy_logits_large": { $0[0].binaryCrossentropyLogits($0[1]) },
      "sparse_categorical_crossentropy": { $0[0].sparseCategoricalCrossentropy($0[1]) },
      "sparse_categorical_crossentropy_float_labels": { $0[0].sparseCategoricalCrossentropy($0[1]) },
      "sparse_categorical_crossentropy_ignore": { $0[0].sparseCategoricalCrossentropy($0[1]) },
      "sparse_categorical_crossentropy_ignore_2": { $0[0].sparseCategoricalCrossentropy($0[1], ignoreIndex: 2) },
      "sparse_categorical_crossentropy_3d": { $0[0].sparseCategoricalCrossentropy($0[1]) },
    ]
    for (tag, k) in [("0", 0), ("1", 1), ("neg1", -1)] {
      ops["triu_" + tag] = { $0[0].triu(k) }
      ops["tril_" + tag] = { $0[0].tril(k) }
    }
    for k in 0...1 {
      ops["triu_batched_\(k)"] = { $0[0].triu(k) }
      ops["tril_batched_\(k)"] = { $0[0].tril(k) }
    }
    addConvolutions(&ops)
    addPools(&ops)
    return ops
  }()

  private static func addConvolutions(_ ops: inout OpTable) {
    ops["conv2d_biased"] = { $0[0].conv2d($0[1], bias: $0[2]).relu().conv2d($0[1], bias: $0[2]).relu() }
    ops["conv2d_nested"] = { $0[0].conv2d($0[1]).relu().conv2d($0[2]).relu() }
    ops["conv2d_nhwc"] = { $0[0].permute(0, 3, 1, 2).conv2d($0[1].permute(3, 2, 0, 1)).relu() }
    ops["conv2d_bias_only"] = { $0[0].conv2d($0[1], bias: $0[2]) }
    let plain = ["conv2d_simple", "conv2d_1x1", "conv2d_batched", "conv3d",
                 "conv2d_bs1_cin1_k1x1_g1", "conv2d_bs1_cin1_k2x3_g1", "conv2d_bs1_cin3_k3x3_g1",
                 "conv2d_bs2_cin1_k3x5_g1", "conv2d_bs2_cin3_k2x2_g1", "conv2d_bs2_cin3_k1x5_g1"]
      + [1, 2].flatMap { bs in [1, 3].flatMap { cin in [1, 2, 5].map { "conv1d_bs\(bs)_cin\(cin)_k\($0)" } } }
    for name in plain { ops[name] = { $0[0].conv2d($0[1]).relu() } }
    for (name, groups) in [("conv2d_bs1_cin3_k3x3_g3", 3), ("conv2d_bs2_cin3_k3x3_g3", 3),
                           ("conv2d_grouped_simple", 2), ("conv2d_grouped_medium", 2), ("conv2d_depthwise", 4),
                           ("conv2d_grouped", 3), ("conv2d_fancy", 3), ("conv1d_grouped", 3)] {
      ops[name] = { $0[0].conv2d($0[1], groups: groups).relu() }
    }
    let configured: [(String, [Int], [Int], [Int])] = [  // name, stride, dilation, padding
      ("conv2d_strided_simple", [2], [1], [0]), ("conv2d_strided", [2], [1], [0]),
      ("conv2d_strided_2_1", [2, 1], [1], [0]), ("conv2d_negative_padding", [1], [1], [-1]),
      ("conv2d_negative_padding_4", [1], [1], [-1, 0, -1, 0]), ("conv2d_simple_padding", [1], [1], [1, 1, 1, 1]),
      ("conv2d_padded_2_1", [1], [1], [2, 1]), ("conv2d_padded_2_2", [1], [1], [2, 2]),
      ("conv2d_padded_1x1", [1], [1], [2]), ("conv2d_padded_bs1", [1], [1], [1]),
      ("conv2d_dilated_2", [1], [2], [0]), ("conv2d_dilated_2_1", [1], [2, 1], [0]),
      ("conv1d_padded", [1], [1], [1, 1]), ("conv1d_strided", [2], [1], [0]),
      ("conv3d_padded", [1], [1], [1, 1, 1, 1, 1, 1]),
    ]
    for (name, stride, dilation, padding) in configured {
      ops[name] = { $0[0].conv2d($0[1], stride: stride, dilation: dilation, padding: padding).relu() }
    }
    for padding in [[0, 1, 0, 1], [2, 1, 2, 1], [2, 0, 2, 1]] {
      for n in [3, 4] {
        let tag = padding.map(String.init).joined(separator: "_")
        ops["conv2d_asymmetric_padding_\(tag)_n\(n)"] = { $0[0].conv2d($0[1], padding: padding).relu() }
      }
    }
    for padding in [[0, 1], [2, 1], [2, 0]] {
      for n in [3, 4] {
        ops["conv1d_asymmetric_padding_\(padding[0])_\(padding[1])_n\(n)"] = {
          $0[0].conv2d($0[1], padding: padding).relu()
        }
      }
    }
    ops["conv2d_stride_dilation_padding_bias"] = {
      $0[0].conv2d($0[1], bias: $0[2], stride: [2], dilation: [2], padding: [1])
    }

    ops["conv_transpose2d"] = { $0[0].convTranspose2d($0[1]).relu() }
    ops["conv_transpose3d"] = ops["conv_transpose2d"]
    ops["conv_transpose2d_bias"] = { $0[0].convTranspose2d($0[1], bias: $0[2]).relu() }
    ops["conv_transpose2d_grouped"] = { $0[0].convTranspose2d($0[1], groups: 2).relu() }
    for (tag, padding) in [("1_2", [1, 2]), ("2_1", [2, 1]), ("2", [2]), ("1", [1]), ("0", [0])] {
      ops["conv_transpose2d_padded_" + tag] = { $0[0].convTranspose2d($0[1], padding: padding).relu() }
    }
    for (tag, dilation) in [("1_2", [1, 2]), ("2_1", [2, 1]), ("2", [2])] {
      ops["conv_transpose2d_dilated_" + tag] = { $0[0].convTranspose2d($0[1], dilation: dilation).relu() }
    }
    for (tag, stride) in [("2_1", [2, 1]), ("1_2", [1, 2]), ("2", [2])] {
      ops["conv_transpose2d_strided_" + tag] = { $0[0].convTranspose2d($0[1], stride: stride).relu() }
    }
    for (tag, outputPadding, stride) in [("1_1", [1, 1], [2, 3]), ("2_1", [2, 1], [3, 2])] {
      ops["conv_transpose2d_output_padding_" + tag] = {
        $0[0].convTranspose2d($0[1], bias: $0[2], stride: stride, outputPadding: outputPadding).relu()
      }
    }
  }

  private static func addPools(_ ops: inout OpTable) {
    ops["max_pool2d_simple"] = { $0[0].maxPool2d(kernelSize: [2, 2]) }
    ops["max_pool2d_default"] = { $0[0].maxPool2d() }
    for (tag, kernel) in [("2_2", [2, 2]), ("3_3", [3, 3]), ("2", [2]), ("3", [3]), ("3_2", [3, 2]), ("5_5", [5, 5]),
                          ("5_1", [5, 1])] {
      ops["max_pool2d_k" + tag] = { $0[0].maxPool2d(kernelSize: kernel) }
    }
    for (tag, stride) in [("2_3", [2, 3]), ("3_2", [3, 2]), ("2", [2]), ("3", [3])] {
      ops["max_pool2d_k2_stride" + tag] = { $0[0].maxPool2d(kernelSize: [2, 2], stride: stride) }
      ops["max_pool2d_k5_stride" + tag] = { $0[0].maxPool2d(kernelSize: [5, 5], stride: stride) }
    }
    ops["max_pool2d_unit_stride"] = { $0[0].maxPool2d(kernelSize: [5, 5], stride: [1]) }
    for (tag, dilation) in [("2_3", [2, 3]), ("3_2", [3, 2]), ("2", [2]), ("3", [3])] {
      ops["max_pool2d_dilation" + tag] = { $0[0].maxPool2d(kernelSize: [5, 5], dilation: dilation) }
    }
    for kernel in [[2, 2], [3, 3], [3, 2], [5, 5], [5, 1]] {
      ops["avg_pool2d_k\(kernel[0])_\(kernel[1])"] = { $0[0].avgPool2d(kernelSize: kernel) }
    }
    ops["avg_pool2d_global"] = { $0[0].avgPool2d(kernelSize: [11, 7]) }
    ops["avg_pool2d_stride1"] = { $0[0].avgPool2d(kernelSize: [2], stride: [1]) }
  }

  @Test(arguments: try OpCheck.names("nn"))
  func nn(_ name: String) async {
    await CaseRunner.isolated("nn", name)
  }

  @Test func everyCaseHasAnExpression() throws {
    try OpCheck.expectTableMatchesFixtures("nn", Self.ops.keys)
  }

  @Test func dropoutIsIdentityOutsideTraining() {
    let x = Tensor((1...6).map(Float.init), shape: [2, 3])
    GlobalState.serialized {
      Tensor.withTraining(false) {
        expectClose(x.dropout(0.5).toArray(), x.toArray())
      }
      Tensor.withTraining(true) {
        expectClose(x.dropout(0).toArray(), x.toArray())
      }
    }
  }

  @Test func dropoutZeroesAndRescalesInTraining() {
    let n = 20_000
    let x = Tensor.ones(n)
    let values = GlobalState.serialized { Tensor.withTraining(true) { x.dropout(0.25).toArray() } }
    let zeros = values.filter { $0 == 0 }.count
    let kept = values.filter { $0 != 0 }
    #expect(Swift.abs(Double(zeros) / Double(n) - 0.25) < 0.02, "dropped fraction \(Double(zeros) / Double(n))")
    #expect(kept.allSatisfy { Swift.abs($0 - 4.0 / 3.0) < 1e-5 }, "kept values are scaled by 1 / (1 - p)")
  }
}
