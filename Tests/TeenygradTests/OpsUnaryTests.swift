import Testing
import Teenygrad

/// Elementwise math and activations against Fixtures/ops/unary.json.
@Suite struct OpsUnaryTests {
  static let ops: OpTable = {
    var ops: OpTable = [
      "neg": { -$0[0] },
      "log": { $0[0].log() },
      "log2": { $0[0].log2() },
      "exp": { $0[0].exp() },
      "exp2": { $0[0].exp2() },
      "sqrt": { $0[0].sqrt() },
      "rsqrt": { $0[0].rsqrt() },
      "sin": { $0[0].sin() },
      "cos": { $0[0].cos() },
      "tan": { $0[0].tan() },
      "square": { $0[0].square() },
      "sigmoid": { $0[0].sigmoid() },
      "tanh": { $0[0].tanh() },
      "swish": { $0[0].swish() },
      "silu": { $0[0].silu() },
      "sinh": { $0[0].sinh() },
      "cosh": { $0[0].cosh() },
      "atanh": { $0[0].atanh() },
      "asinh": { $0[0].asinh() },
      "acosh": { $0[0].acosh() },
      "gelu": { $0[0].gelu() },
      "quick_gelu": { $0[0].quickGelu() },
      "mish": { $0[0].mish() },
      "softplus": { $0[0].softplus() },
      "softplus_beta2": { $0[0].softplus(beta: 2) },
      "elu": { $0[0].elu() },
      "elu_alpha0.1": { $0[0].elu(alpha: 0.1) },
      "celu_alpha1": { $0[0].celu() },
      "celu_alpha3": { $0[0].celu(alpha: 3) },
      "leaky_relu": { $0[0].leakyRelu() },
      "leaky_relu_slope0.2": { $0[0].leakyRelu(negSlope: 0.2) },
      "relu": { $0[0].relu() },
      "abs": { $0[0].abs() },
      "sign": { $0[0].sign() },
      "softsign": { $0[0].softsign() },
      "reciprocal": { $0[0].reciprocal() },
      "relu6": { $0[0].relu6() },
      "hardswish": { $0[0].hardswish() },
      "hardtanh": { $0[0].hardtanh() },
      "hardtanh_-0.5_0.7": { $0[0].hardtanh(minVal: -0.5, maxVal: 0.7) },
      "clip_-0.8_0.6": { $0[0].clip(-0.8, 0.6) },
      "trunc": { $0[0].trunc() },
      "floor": { $0[0].floor() },
      "ceil": { $0[0].ceil() },
      "relu_exact": { $0[0].relu() },
      "maximum_zero_exact": { $0[0].maximum(0) },
      "sign_zero": { $0[0].sign() },
    ]
    for name in ["neg", "log", "exp", "sqrt", "rsqrt", "relu", "abs", "sign", "sigmoid", "tanh", "elu", "relu6",
                 "hardswish", "mish", "softplus", "softsign", "leaky_relu", "quick_gelu", "hardtanh", "log2", "exp2"] {
      ops[name + "_scalar"] = ops[name]
    }
    for name in ["trunc", "floor", "ceil"] { ops[name + "_exact"] = ops[name] }
    for (name, base) in [("sigmoid_large_pos", "sigmoid"), ("sigmoid_large_neg", "sigmoid"),
                         ("tanh_large_neg", "tanh"), ("gelu_large_neg", "gelu"),
                         ("quick_gelu_large_pos", "quick_gelu"), ("quick_gelu_large_neg", "quick_gelu")] {
      ops[name] = ops[base]
    }
    return ops
  }()

  @Test(arguments: try OpCheck.names("unary"))
  func unary(_ name: String) async {
    await CaseRunner.isolated("unary", name)
  }

  @Test func everyCaseHasAnExpression() throws {
    try OpCheck.expectTableMatchesFixtures("unary", Self.ops.keys)
  }
}
