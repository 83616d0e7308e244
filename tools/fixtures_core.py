"""Case bookkeeping for gen_fixtures.py: deterministic inputs, reference gradients, JSON encoding.

A case is a named op applied to a few input tensors. The generator evaluates the op's numpy reference in
float64 on float32-representable inputs, and the gradient of the test loss L = mean((out + 1) ** 2) with
respect to every input marked `grad`, either by central finite differences or by an analytic
vector-Jacobian product supplied with the case.
"""
import json
import math
import zlib

import numpy as np

# Default tolerances for a float32 implementation measured against float64 references.
DEFAULT_TOL = {"atol": 1e-5, "rtol": 1e-4, "grad_atol": 1e-4, "grad_rtol": 1e-3}

FD_EPS = 1e-6          # step of the reported central difference
FD_CHECK_EPS = 1e-4    # a second, larger step: disagreement means a kink sits within reach of the step


class Input:
  """One input tensor: its dtype, how its values are drawn, and whether its gradient is checked."""

  def __init__(self, dtype, shape=None, values=None, lo=-1.5, hi=1.5, away=0.0, grad=None, int_range=None):
    self.dtype, self.values, self.lo, self.hi, self.away = dtype, values, lo, hi, away
    self.int_range = int_range
    if values is not None:
      arr = np.array(values)
      self.shape = tuple(arr.shape) if shape is None else tuple(shape)
    else:
      self.shape = tuple(shape)
    self.grad = (dtype == "float32") if grad is None else grad

  def materialize(self, rng):
    if self.dtype == "float32":
      if self.values is not None:
        arr = np.array(self.values, dtype=np.float64).reshape(self.shape)
      else:
        arr = rng.uniform(self.lo, self.hi, size=self.shape)
        if self.away > 0:
          # magnitude in [away, away + span), random sign: keeps divisors and kinks out of reach
          mag = self.away + rng.uniform(0, 1, size=self.shape) * max(self.hi - self.lo, 1e-9) / 2
          arr = np.where(rng.uniform(size=self.shape) < 0.5, -mag, mag)
      return np.asarray(arr.astype(np.float32).astype(np.float64))
    if self.dtype == "int32":
      if self.values is not None:
        return np.array(self.values, dtype=np.int64).reshape(self.shape)
      lo, hi = self.int_range
      return rng.integers(lo, hi, size=self.shape).astype(np.int64)
    if self.dtype == "bool":
      return np.array(self.values, dtype=bool).reshape(self.shape)
    raise ValueError(self.dtype)


def F(*shape, lo=-1.5, hi=1.5, away=0.0, grad=True):
  """A random float32 input of the given shape, uniform in [lo, hi) (or |x| >= away with random sign)."""
  return Input("float32", shape=shape, lo=lo, hi=hi, away=away, grad=grad)


def V(values, grad=True):
  """A float32 input with explicit values (nested lists give the shape)."""
  return Input("float32", values=values, grad=grad)


def I(values=None, shape=None, lo=0, hi=10):
  """An int32 input: explicit values, or random integers in [lo, hi) of the given shape."""
  if values is not None:
    return Input("int32", values=values)
  return Input("int32", shape=shape, int_range=(lo, hi), grad=False)


def B(values):
  """A bool input with explicit values."""
  return Input("bool", values=values, grad=False)


def dtype_name(arr):
  arr = np.asarray(arr)
  if arr.dtype == bool:
    return "bool"
  if np.issubdtype(arr.dtype, np.integer):
    return "int32"
  return "float32"


def loss_grad_out(out):
  """dL/dout for L = mean((out + 1) ** 2)."""
  with np.errstate(all="ignore"):
    return 2.0 * (out + 1.0) / max(out.size, 1)


def finite_difference(fn, xs, index, gout, eps):
  """Central differences of phi(x) = sum(gout * fn(x)) over the finite entries of gout."""
  base_out = np.asarray(fn(*xs), dtype=np.float64)
  mask = np.isfinite(gout) & np.isfinite(base_out)
  weights = np.where(mask, gout, 0.0)
  x = xs[index]
  grad = np.zeros_like(x)
  flat = grad.reshape(-1)
  for k in range(x.size):
    plus = [a.copy() for a in xs]
    minus = [a.copy() for a in xs]
    plus[index].reshape(-1)[k] += eps
    minus[index].reshape(-1)[k] -= eps
    with np.errstate(all="ignore"):
      fp = np.where(mask, np.asarray(fn(*plus), dtype=np.float64), 0.0)
      fm = np.where(mask, np.asarray(fn(*minus), dtype=np.float64), 0.0)
    flat[k] = np.sum(weights * (fp - fm)) / (2 * eps)
  return grad


def encode_number(v, precision):
  v = float(v)
  if math.isnan(v):
    return "nan"
  if math.isinf(v):
    return "inf" if v > 0 else "-inf"
  if precision == "float32":
    text = str(np.float32(v))
    return float(text) if "e" in text or "." in text else int(text)
  return v


def encode_tensor(arr, dtype=None, precision="float64", grad=None):
  arr = np.asarray(arr)
  dtype = dtype or dtype_name(arr)
  if dtype in ("bool", "int32"):
    data = [int(v) for v in arr.reshape(-1)]
  else:
    data = [encode_number(v, precision) for v in arr.astype(np.float64).reshape(-1)]
  out = {"shape": list(arr.shape), "dtype": dtype, "data": data}
  if grad is not None:
    out["grad"] = grad
  return out


class Suite:
  """The cases of one fixture file (one area of the API)."""

  def __init__(self, area):
    self.area, self.cases, self.names = area, [], set()

  def rng(self, name):
    return np.random.default_rng(zlib.crc32(f"{self.area}/{name}".encode()))

  def add(self, name, inputs, fn, forward_only=False, vjp=None, tol=None, out_dtype=None):
    """Adds one case.

    fn maps float64 (or int64/bool) numpy arrays to the reference output (an array, or a list of arrays for
    ops with several outputs, which are always forward only). vjp, when given, maps (gout, *inputs) to the
    list of input gradients and replaces finite differences.
    """
    assert name not in self.names, f"duplicate case {name}"
    self.names.add(name)
    rng = self.rng(name)
    xs = [inp.materialize(rng) for inp in inputs]
    with np.errstate(all="ignore"):
      result = fn(*xs)
    case = {"name": name}
    if not any(inp.grad for inp in inputs):
      forward_only = True
    if isinstance(result, list):
      case["outputs"] = [encode_tensor(r, out_dtype) for r in result]
      forward_only = True
    else:
      out = np.asarray(result)
      case["output"] = encode_tensor(out, out_dtype)
      if case["output"]["dtype"] not in ("float32", "float16"):
        forward_only = True
    if not forward_only:
      out = np.asarray(result, dtype=np.float64)
      gout = loss_grad_out(out)
      grads = [None] * len(xs)
      if vjp is not None:
        with np.errstate(all="ignore"):
          analytic = vjp(gout, *xs)
        for i, inp in enumerate(inputs):
          if inp.grad:
            grads[i] = np.asarray(analytic[i], dtype=np.float64).reshape(xs[i].shape)
      else:
        for i, inp in enumerate(inputs):
          if not inp.grad:
            continue
          g = finite_difference(fn, xs, i, gout, FD_EPS)
          g2 = finite_difference(fn, xs, i, gout, FD_CHECK_EPS)
          bad = ~np.isclose(g, g2, rtol=1e-3, atol=1e-6)
          assert not bad.any(), f"{self.area}/{name}: input {i} sits near a kink ({g[bad][:3]} vs {g2[bad][:3]})"
          grads[i] = g
      case["grads"] = [None if g is None else encode_tensor(g)["data"] for g in grads]
    encoded = [encode_tensor(x, inp.dtype, "float32", (inp.grad and not forward_only) if inp.dtype == "float32" else None)
               for x, inp in zip(xs, inputs)]
    merged = dict(DEFAULT_TOL)
    merged.update(tol or {})
    self.cases.append({"name": name, "inputs": encoded, **{k: v for k, v in case.items() if k != "name"}, "tol": merged})

  def add_raw(self, case):
    """Adds a case whose structure is not an op over inputs (optimizer trajectories)."""
    assert case["name"] not in self.names, f"duplicate case {case['name']}"
    self.names.add(case["name"])
    self.cases.append(case)

  def dumps(self):
    lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in self.cases]
    return '{"area":"%s","cases":[\n%s\n]}\n' % (self.area, ",\n".join(lines))
