"""reduce.json: sum, max, min, mean, std, softmax, logSoftmax, argmax, argmin, cumsum."""
import numpy as np

from fixtures_core import F, I, V, Suite
from fixtures_ref import log_softmax, softmax


def max_vjp(axis=None, keepdim=False):
  """teenygrad's Max backward: the gradient is shared equally by every element equal to the maximum."""
  def vjp(g, x):
    m = x.max(axis=axis, keepdims=True)
    hits = (x == m).astype(np.float64)
    share = hits / hits.sum(axis=axis, keepdims=True)
    g = g if keepdim or axis is None else np.expand_dims(g, axis)
    return [share * g]
  return vjp


def build():
  s = Suite("reduce")
  x4 = (2, 3, 4, 5)
  s.add("sum_simple", [V([1.0, 1.0])], np.sum)
  s.add("sum_full", [F(300)], np.sum)
  s.add("sum_small_full", [F(9, 5)], np.sum)
  s.add("sum_fake", [F(8, 1)], lambda x: x.sum(axis=1))
  s.add("sum_scalar", [F()], np.sum)
  s.add("sum_relu", [F(3, 4, 5, away=0.05)], lambda x: np.maximum(np.maximum(x, 0).sum(), 0))
  for name, axes in {"axis3": 3, "axis1": 1, "axis_neg1": -1, "axes13": (1, 3), "axes02": (0, 2),
                     "axes12": (1, 2), "axes_neg1_neg3": (-1, -3)}.items():
    s.add("sum_" + name, [F(*x4)], lambda x, a=axes: x.sum(axis=a))
    s.add("sum_" + name + "_keepdim", [F(*x4)], lambda x, a=axes: x.sum(axis=a, keepdims=True))
  s.add("sum_keepdim_all", [F(3, 4)], lambda x: x.sum(keepdims=True))

  for name, axis in {"": None, "_axis1": 1, "_axis_neg1": -1, "_axis0": 0}.items():
    for kd in (False, True):
      suffix = name + ("_keepdim" if kd else "")
      shape = (3, 4, 5) if axis is not None else (9, 3)
      s.add("max" + suffix, [F(*shape)], lambda x, a=axis, k=kd: x.max(axis=a, keepdims=k))
      s.add("min" + suffix, [F(*shape)], lambda x, a=axis, k=kd: x.min(axis=a, keepdims=k))
  s.add("max_3x3", [F(3, 3)], np.max)
  s.add("min_3x3", [F(3, 3)], np.min)
  s.add("max_scalar", [F()], np.max)
  s.add("min_scalar", [F()], np.min)
  s.add("max_mul_half", [F(9, 3)], lambda x: x.max() * 0.5)
  s.add("min_mul_half", [F(9, 3)], lambda x: x.min() * 0.5)
  s.add("max_ties", [V([[1.0, 1.0, 0.0, 1.0]])], lambda x: x.max() * 0.5,
        vjp=lambda g, x: [max_vjp()(g * 0.5, x)[0]])
  s.add("max_ties_axis1", [V([[1.0, 2.0, 2.0], [3.0, 3.0, 3.0]])], lambda x: x.max(axis=1), vjp=max_vjp(1))
  s.add("min_ties_axis0", [V([[1.0, 2.0], [1.0, 0.0]])], lambda x: x.min(axis=0),
        vjp=lambda g, x: [max_vjp(0)(g, -x)[0]])
  s.add("max_int", [I([[3, 9, 2], [7, 1, 8]])], lambda x: x.max(axis=1))
  s.add("max_nan", [V([1.0, float("nan"), 2.0], grad=False)], np.max)

  s.add("mean", [F(*x4)], np.mean)
  s.add("mean_scalar", [F()], np.mean)
  s.add("mean_axes12", [F(*x4)], lambda x: x.mean(axis=(1, 2)))
  s.add("mean_axis_neg1_keepdim", [F(*x4)], lambda x: x.mean(axis=-1, keepdims=True))
  s.add("mean_axis0", [F(3, 4)], lambda x: x.mean(axis=0))

  for corr in (1, 0, 5):
    s.add(f"std_c{corr}", [F(3, 4, 5)], lambda x, c=corr: x.std(ddof=c))
  for name, axes in {"axis0": 0, "axis2": 2, "axes12": (1, 2), "axis_neg1": -1}.items():
    for corr in (1, 0):
      s.add(f"std_{name}_c{corr}", [F(3, 4, 5)], lambda x, a=axes, c=corr: x.std(axis=a, ddof=c))
  s.add("std_keepdim", [F(3, 4, 5)], lambda x: x.std(ddof=1, keepdims=True))
  s.add("std_axis0_keepdim_c0", [F(3, 4, 5)], lambda x: x.std(axis=0, ddof=0, keepdims=True))

  s.add("softmax", [F(4, 5)], softmax)
  s.add("softmax_axis0", [F(4, 5)], lambda x: softmax(x, 0))
  s.add("softmax_large", [F(3, 4, lo=50, hi=90)], softmax)
  s.add("log_softmax", [F(4, 5)], log_softmax)
  s.add("log_softmax_scalar", [F()], lambda x: x * 0.0)
  for axis in (0, 1, 2):
    s.add(f"log_softmax_axis{axis}", [F(3, 4, 5)], lambda x, a=axis: log_softmax(x, a))

  for name, fn in [("argmax", np.argmax), ("argmin", np.argmin)]:
    s.add(name, [F(4, 5)], lambda x, f=fn: np.asarray(f(x)))
    s.add(name + "_axis0", [F(4, 5)], lambda x, f=fn: f(x, axis=0))
    s.add(name + "_axis1", [F(4, 5)], lambda x, f=fn: f(x, axis=1))
    s.add(name + "_axis1_keepdim", [F(4, 5)], lambda x, f=fn: np.expand_dims(f(x, axis=1), 1))
    s.add(name + "_axis_neg1", [F(2, 3, 4)], lambda x, f=fn: f(x, axis=-1))
    s.add(name + "_ties", [V([2.0, 2.0])], lambda x, f=fn: np.asarray(f(x)))
    s.add(name + "_ties_axis1", [V([[1.0, 5.0, 5.0, 0.0], [0.0, 0.0, 7.0, 7.0]])], lambda x, f=fn: f(x, axis=1))

  s.add("cumsum_small", [F(10)], np.cumsum)
  s.add("cumsum_axis0", [F(4, 5)], lambda x: np.cumsum(x, axis=0))
  s.add("cumsum_axis1", [F(4, 5)], lambda x: np.cumsum(x, axis=1))
  s.add("cumsum_axis2", [F(2, 3, 4)], lambda x: np.cumsum(x, axis=2))
  s.add("cumsum_axis_neg1", [F(2, 3, 4)], lambda x: np.cumsum(x, axis=-1))
  s.add("cumsum_long", [F(600)], np.cumsum, tol={"atol": 1e-4})
  return s
