"""binary.json: broadcasting arithmetic, pow, maximum/minimum, matmul, where, comparisons, NaN/inf."""
import numpy as np

from fixtures_core import B, F, I, V, Suite

INF, NAN = float("inf"), float("nan")


def scaled(c):
  """x * c with an analytic gradient (c may be inf or nan)."""
  return (lambda x: x * c), (lambda g, x: [g * c])


def divided(c):
  """x / c; teenygrad turns division by a float into multiplication by its reciprocal."""
  return (lambda x: x / c), (lambda g, x: [g * (1.0 / c)])


def dividing(c):
  """c / x."""
  return (lambda x: c / x), (lambda g, x: [-g * c / (x * x)])


def build():
  s = Suite("binary")
  ops = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}

  def rhs(op, *shape):
    return F(*shape, away=0.5) if op == "div" else F(*shape)

  for op, fn in ops.items():
    s.add(op, [F(3, 4), rhs(op, 3, 4)], fn)
    s.add(op + "_scalar", [F(), rhs(op)], fn)
    for tag, (a, b) in {"col": ((4, 5), (4, 1)), "row": ((4, 5), (5,)), "scalar_rhs": ((4, 5), ()),
                        "full": ((2, 3, 4, 2), (2, 1, 4, 1)), "full_both": ((1, 3, 1, 2, 1), (2, 1, 3, 1, 2)),
                        "partial": ((1, 4, 2, 2), (1, 4, 1, 1)), "partial5": ((2, 3, 2, 2, 2), (1, 3, 2, 1, 1)),
                        "lhs_col": ((4, 1), (4, 5)), "lhs_row": ((1, 4), (5, 4))}.items():
      s.add(f"{op}_broadcast_{tag}", [F(*a), rhs(op, *b)], fn)
  s.add("add3", [F(3, 4), F(3, 4), F(3, 4)], lambda x, y, z: x + y + z)
  s.add("topo_sort", [F(3, 4)], lambda x: (x + x) * x)
  s.add("topo_sort_scalar", [F()], lambda x: (x + x) * x)

  # scalar operands on either side
  consts = {
    "mul_const_2": lambda x: x * 2, "mul_const_neg1": lambda x: x * -1, "rmul_const_255": lambda x: 255 * x,
    "mul_const_0": lambda x: x * 0, "add_const_2": lambda x: x + 2, "radd_const_2": lambda x: 2 + x,
    "sub_const_2": lambda x: x - 2, "rsub_const_2": lambda x: 2 - x, "div_const_255": lambda x: x / 255,
    "div_const_1": lambda x: x / 1, "div_const_2": lambda x: x / 2, "div_const_3.5": lambda x: x / 3.5,
  }
  for name, fn in consts.items():
    s.add(name, [F(3, 4)], fn)
    s.add(name + "_scalar", [F()], fn)
  for name, fn in {"rdiv_const_1": lambda x: 1 / x, "rdiv_const_2": lambda x: 2 / x}.items():
    s.add(name, [F(3, 4, away=0.3)], fn)
    s.add(name + "_scalar", [F(away=0.3)], fn)

  # NaN and inf constants
  for name, c in {"inf": INF, "neginf": -INF, "nan": NAN}.items():
    fn, vjp = scaled(c)
    s.add(f"mul_const_{name}", [F(3, 4, away=0.1)], fn, vjp=vjp)
    fn, vjp = divided(c)
    s.add(f"div_const_{name}", [F(3, 4, away=0.1)], fn, vjp=vjp)
    fn, vjp = dividing(c)
    s.add(f"rdiv_const_{name}", [F(3, 4, away=0.1)], fn, vjp=vjp)

  # pow
  s.add("pow_full", [F(3, 4, lo=0.2, hi=3), F(3, 4, lo=0, hi=3)], np.power)
  for name, e, lo, hi in [("2", 2, 0.2, 3), ("3", 3, 0.2, 3), ("neg2", -2, 0.2, 3), ("0.5", 0.5, 0.2, 3),
                          ("1", 1, -1.5, 1.5), ("neg1", -1, 0.3, 3), ("1.7", 1.7, 0.2, 3),
                          ("3_negbase", 3, -30, -27), ("2_negbase", 2, -3, -1)]:
    s.add(f"pow_const_{name}", [F(3, 4, lo=lo, hi=hi)], lambda x, e=e: np.power(x, float(e)))
    s.add(f"pow_const_{name}_scalar", [F(lo=lo, hi=hi)], lambda x, e=e: np.power(x, float(e)))
  # a negative base with a fractional exponent is NaN, gradient included
  for e in [0.2, 1.2]:
    s.add(f"pow_const_{e}_negbase", [F(3, 4, lo=-30, hi=-27)], lambda x, e=e: np.power(x, e),
          vjp=lambda g, x: [np.full(x.shape, np.nan)])
  s.add("pow_zero_base", [V([0.0])], lambda x: np.power(x, 1.1), forward_only=True)
  s.add("rpow_tensor_2", [F(3, 4)], lambda x: np.power(2.0, x))
  s.add("rpow_tensor_1", [F(3, 4)], lambda x: np.power(1.0, x))

  # maximum / minimum: ties split the gradient in half, as central differences do
  for name, fn in [("maximum", np.maximum), ("minimum", np.minimum)]:
    s.add(name, [F(3, 4), F(3, 4)], fn)
    s.add(name + "_scalar", [F(), F()], fn)
    s.add(name + "_ties", [V([1.0, 0.0, 3.0, 4.0]), V([1.0, 2.0, 3.0, 0.0])], fn)
    s.add(name + "_broadcast", [F(3, 4), F(4)], fn)
    s.add(name + "_const", [F(3, 4)], lambda x, fn=fn: fn(x, 0.25))
    s.add(name + "_int", [I([1, 0, 3, 4]), I([1, 2, 3, 0])], fn)

  # matmul / dot
  for name, a, b in [("2d", (4, 5), (5, 3)), ("1d_1d", (5,), (5,)), ("1d_2d", (5,), (5, 3)), ("2d_1d", (4, 5), (5,)),
                     ("3d_1d", (2, 4, 5), (5,)), ("1d_3d", (5,), (2, 5, 3)), ("batched", (2, 3, 4), (2, 4, 5)),
                     ("broadcast", (2, 3, 4), (4, 3)), ("1d_4d", (3,), (1, 3, 3, 5)), ("2d_4d", (4, 3), (1, 3, 3, 5)),
                     ("multidot", (2, 2, 3, 4), (2, 2, 4, 3)), ("square8", (8, 8), (8, 8))]:
    s.add("matmul_" + name, [F(*a), F(*b)], np.matmul, tol={"atol": 1e-4})
    s.add("dot_" + name, [F(*a), F(*b)], np.matmul, tol={"atol": 1e-4})
  s.add("matmul_eye", [V(np.eye(8).tolist()), V(np.eye(8).tolist())], np.matmul)
  s.add("matvecmat", [F(1, 8), F(8, 8), F(8, 8)], lambda x, y, z: np.maximum(x @ y, 0) @ z, tol={"atol": 1e-4})

  # where: the condition carries no gradient
  s.add("where_const", [F(10, grad=False)], lambda x: np.where(x > 0.5, 4.0, 2.0))
  s.add("where_const_permute", [F(4, 4, grad=False)], lambda x: np.where(x > 0.5, 4.0, 2.0).T)
  for tag, shapes in {"bcast_scalars": [(8,), (1,), (1,)], "bcast_rows": [(4, 4), (4,), (4,)],
                      "same": [(5,), (5,), (5,)], "same2d": [(3, 4), (3, 4), (3, 4)]}.items():
    c, a, b = shapes
    s.add("where_" + tag, [F(*c, grad=False), F(*a), F(*b)], lambda x, a, b: np.where(x > 0.5, a, b))
  s.add("where_tensor_float", [F(3, 4, grad=False), F(3, 4)], lambda x, a: np.where(x > 0.5, a, -1.5))
  s.add("where_float_tensor", [F(3, 4, grad=False), F(3, 4)], lambda x, b: np.where(x > 0.5, 2.5, b))
  s.add("where_bool_condition", [B([True, False, True, False]), F(4), F(4)], lambda c, a, b: np.where(c, a, b))
  s.add("where_inf", [V(np.full((3, 3), INF).tolist(), grad=False)], lambda x: np.where(x < 0, x, 1.0))

  # comparisons return bool tensors
  cmps = {"lt": np.less, "gt": np.greater, "le": np.less_equal, "ge": np.greater_equal,
          "eq": np.equal, "ne": np.not_equal}
  for name, fn in cmps.items():
    for tag, (a, b) in {"same": ((2, 3, 4), (2, 3, 4)), "bcast_rhs": ((2, 3, 4), (4,)),
                        "bcast_lhs": ((4,), (2, 3, 4))}.items():
      s.add(f"cmp_{name}_{tag}", [F(*a), F(*b)], fn)
    s.add(f"cmp_{name}_ties", [V([0.0, 1, 2]), V([2.0, 1, 0])], fn)
    s.add(f"cmp_{name}_const", [V([0.0, 1, 2, 3])], lambda x, fn=fn: fn(x, 2.0))
    s.add(f"cmp_{name}_rconst", [V([0.0, 1, 2, 3])], lambda x, fn=fn: fn(2.0, x))
    s.add(f"cmp_{name}_bool", [B([True, True, False]), B([False, True, False])], fn)
    s.add(f"cmp_{name}_int", [I([0, 1, 2]), I([2, 1, 0])], fn)

  # integer arithmetic keeps int32 (division truncates)
  s.add("div_int", [I([3, 7, -7])], lambda x: np.trunc(x / 2).astype(np.int64))
  s.add("add_int", [I([1, 2, 3]), I([10, 20, 30])], np.add)
  s.add("mul_int", [I([1, -2, 3]), I([4, 5, -6])], np.multiply)
  return s
