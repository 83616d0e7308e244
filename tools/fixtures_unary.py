"""unary.json: elementwise math and activations (teenygrad test_ops' unary and activation tests)."""
import numpy as np

from fixtures_core import F, V, Suite
from fixtures_ref import gelu_tanh, sigmoid, softplus

SHAPE = (3, 4)


def relu_vjp(gout, x):
  return [gout * (x > 0)]


def build():
  s = Suite("unary")
  smooth = {
    "neg": (lambda x: -x, {}),
    "log": (np.log, {"lo": 0.1, "hi": 3}),
    "log2": (np.log2, {"lo": 0.1, "hi": 3}),
    "exp": (np.exp, {}),
    "exp2": (np.exp2, {}),
    "sqrt": (np.sqrt, {"lo": 0.1, "hi": 3}),
    "rsqrt": (lambda x: 1 / np.sqrt(x), {"lo": 0.1, "hi": 3}),
    "sin": (np.sin, {"lo": -3, "hi": 3}),
    "cos": (np.cos, {"lo": -3, "hi": 3}),
    "tan": (np.tan, {"lo": -1.2, "hi": 1.2}),
    "square": (np.square, {}),
    "sigmoid": (sigmoid, {}),
    "tanh": (np.tanh, {}),
    "swish": (lambda x: x * sigmoid(x), {}),
    "silu": (lambda x: x * sigmoid(x), {}),
    "sinh": (np.sinh, {}),
    "cosh": (np.cosh, {}),
    "atanh": (np.arctanh, {"lo": -0.9, "hi": 0.9}),
    "asinh": (np.arcsinh, {"lo": -3, "hi": 3}),
    "acosh": (np.arccosh, {"lo": 1.1, "hi": 3}),
    "gelu": (gelu_tanh, {"lo": -3, "hi": 3}),
    "quick_gelu": (lambda x: x * sigmoid(1.702 * x), {"lo": -3, "hi": 3}),
    "mish": (lambda x: x * np.tanh(softplus(x)), {"lo": -3, "hi": 3}),
    "softplus": (softplus, {"lo": -3, "hi": 3}),
    "softplus_beta2": (lambda x: softplus(x, 2.0), {"lo": -3, "hi": 3}),
    "elu": (lambda x: np.where(x > 0, x, np.expm1(x)), {}),
    "elu_alpha0.1": (lambda x: np.where(x > 0, x, 0.1 * np.expm1(x)), {}),
    "celu_alpha1": (lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x)), {}),
    "celu_alpha3": (lambda x: np.maximum(x, 0) + np.minimum(0, 3 * np.expm1(x / 3)), {}),
    "leaky_relu": (lambda x: np.where(x > 0, x, 0.01 * x), {"away": 0.05}),
    "leaky_relu_slope0.2": (lambda x: np.where(x > 0, x, 0.2 * x), {"away": 0.05}),
    "relu": (lambda x: np.maximum(x, 0), {"away": 0.05}),
    "abs": (np.abs, {"away": 0.05}),
    "sign": (np.sign, {"away": 0.05}),
    "softsign": (lambda x: x / (1 + np.abs(x)), {"away": 0.05}),
    "reciprocal": (lambda x: 1 / x, {"away": 0.3}),
    "relu6": (lambda x: np.clip(x, 0, 6), {"lo": -4, "hi": 10}),
    "hardswish": (lambda x: x * np.clip(x + 3, 0, 6) / 6, {"lo": -5, "hi": 5}),
    "hardtanh": (lambda x: np.clip(x, -1, 1), {"lo": -2, "hi": 2}),
    "hardtanh_-0.5_0.7": (lambda x: np.clip(x, -0.5, 0.7), {"lo": -2, "hi": 2}),
    "clip_-0.8_0.6": (lambda x: np.clip(x, -0.8, 0.6), {}),
  }
  for name, (fn, opts) in smooth.items():
    s.add(name, [F(*SHAPE, **opts)], fn)
  # scalar (shape []) versions, as teenygrad's tests run them
  for name in ["neg", "log", "exp", "sqrt", "rsqrt", "relu", "abs", "sign", "sigmoid", "tanh", "elu", "relu6",
               "hardswish", "mish", "softplus", "softsign", "leaky_relu", "quick_gelu", "hardtanh", "log2", "exp2"]:
    fn, opts = smooth[name]
    s.add(name + "_scalar", [F(**opts)], fn)

  # saturated inputs (teenygrad's a=+-100 variants)
  s.add("sigmoid_large_pos", [F(*SHAPE, lo=300, hi=303)], sigmoid)
  s.add("sigmoid_large_neg", [F(*SHAPE, lo=-103, hi=-100)], sigmoid, tol={"atol": 1e-6})
  s.add("tanh_large_neg", [F(*SHAPE, lo=-300, hi=-297)], np.tanh)
  s.add("gelu_large_neg", [F(*SHAPE, lo=-300, hi=-297)], gelu_tanh)
  s.add("quick_gelu_large_pos", [F(*SHAPE, lo=300, hi=303)], lambda x: x * sigmoid(1.702 * x))
  s.add("quick_gelu_large_neg", [F(*SHAPE, lo=-300, hi=-297)], lambda x: x * sigmoid(1.702 * x))

  # exact values at the kinks: teenygrad's relu passes no gradient at 0, maximum splits it
  s.add("relu_exact", [V([-1.0, 0.0, 1.0])], lambda x: np.maximum(x, 0), vjp=relu_vjp)
  s.add("maximum_zero_exact", [V([-1.0, 0.0, 1.0])], lambda x: np.maximum(x, 0),
        vjp=lambda g, x: [g * np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0))])
  s.add("sign_zero", [V([-2.0, 0.0, 3.0])], np.sign, forward_only=True)

  # rounding: forward only (teenygrad's gradient through its int cast is not a derivative)
  rounding_values = [1.0, 2.1, 0.0, -5.0, -2.5, 2.5, -0.4, 0.7]
  for name, fn in [("trunc", np.trunc), ("floor", np.floor), ("ceil", np.ceil)]:
    s.add(name, [F(*SHAPE, lo=-3, hi=3)], fn, forward_only=True)
    s.add(name + "_exact", [V(rounding_values)], fn, forward_only=True)
  return s
