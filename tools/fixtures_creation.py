"""creation.json (factories, chunk, folded constant graphs) and dtype.json (cast between every dtype)."""
import math

import numpy as np

from fixtures_core import B, F, I, V, Suite


def chunks(a, count, dim):
  step = math.ceil(a.shape[dim] / count)
  return [np.take(a, range(k, min(k + step, a.shape[dim])), axis=dim) for k in range(0, a.shape[dim], step)]


def arange(start, stop, step):
  n = math.ceil((stop - start) / step)
  return start + step * np.arange(n, dtype=np.float64)


def build_creation():
  s = Suite("creation")
  s.add("zeros", [], lambda: np.zeros((4, 5)))
  s.add("zeros_list", [], lambda: np.zeros((4, 5)))
  s.add("zeros_scalar", [], lambda: np.zeros(()))
  s.add("zeros_int32", [], lambda: np.zeros((2, 3), dtype=np.int64))
  s.add("ones", [], lambda: np.ones((4, 5)))
  s.add("ones_list", [], lambda: np.ones((4, 5)))
  s.add("ones_scalar", [], lambda: np.ones(()))
  s.add("ones_bool", [], lambda: np.ones((2, 2), dtype=bool))
  s.add("full", [], lambda: np.full((4, 5), 4.0))
  s.add("full_negative", [], lambda: np.full((3,), -2.5))
  s.add("full_int32", [], lambda: np.full((2, 3), 4, dtype=np.int64))
  s.add("full_like_int32", [I([[1, 2, 3], [4, 5, 6]])], lambda x: np.full_like(x, 4))
  s.add("full_like_float", [F(2, 3, grad=False)], lambda x: np.full_like(x, 4.5))
  s.add("zeros_like_int32", [I([[1, 2, 3], [4, 5, 6]])], np.zeros_like)
  s.add("ones_like_int32", [I([[1, 2, 3], [4, 5, 6]])], np.ones_like)
  s.add("zeros_like_float", [F(2, 3, grad=False)], np.zeros_like)
  s.add("ones_like_float", [F(2, 3, grad=False)], np.ones_like)
  s.add("eye_4", [], lambda: np.eye(4))
  s.add("eye_1", [], lambda: np.eye(1))
  s.add("eye_int32", [], lambda: np.eye(3, dtype=np.int64))
  for name, (start, stop, step) in {"10": (0, 10, 1), "5_10_3": (5, 10, 3), "10_5_neg3": (10, 5, -3),
                                    "11_5_neg3": (11, 5, -3), "256": (0, 256, 1), "0_2_half": (0, 2, 0.5),
                                    "neg3_3": (-3, 3, 1), "1_4_1.5": (1, 4, 1.5)}.items():
    s.add("arange_" + name, [], lambda a=start, b=stop, c=step: arange(a, b, c))
  s.add("arange_int32", [], lambda: np.arange(5, dtype=np.int64))
  s.add("empty_mul_zero_div_zero", [], lambda: np.full((4, 5), np.nan))

  # constant graphs that a runtime may fold
  s.add("sum_collapse", [], lambda: np.ones((16, 16)).sum(axis=1))
  s.add("sum_collapse_neg", [], lambda: (-np.ones((3, 3))).sum(axis=1))
  s.add("sum_pad_collapse", [], lambda: np.pad(np.ones((8, 8)), ((0, 0), (0, 4))).sum(axis=1))
  s.add("sum_cat_collapse", [], lambda: np.concatenate([np.ones((8, 8)), np.zeros((8, 4))], 1).sum(axis=1))
  s.add("max_dont_collapse", [], lambda: np.ones((8, 8)).max(axis=1))
  s.add("flip_eye", [], lambda: np.eye(4) @ np.flip(np.eye(4), 0))
  s.add("stack_constant_scalars", [], lambda: np.array([3.14, 3.14]))

  base = np.tile(np.arange(13, dtype=np.float64), (8, 1))
  s.add("chunk_6_dim1", [], lambda: chunks(base, 6, 1))
  s.add("chunk_6_dim0", [], lambda: chunks(base, 6, 0))
  s.add("chunk_3_dim_neg1", [], lambda: chunks(base, 3, 1))
  s.add("chunk_3_dim_neg2_3d", [], lambda: chunks(np.tile(np.arange(13, dtype=np.float64), (8, 3, 3)), 3, 1))
  s.add("chunk_even", [F(6, 2, grad=False)], lambda x: chunks(x, 3, 0))
  s.add("chunk_more_than_size", [F(2, 3, grad=False)], lambda x: chunks(x, 5, 1))
  return s


def build_dtype():
  s = Suite("dtype")
  halves = [1.5, 65504.0, 1e-4, 0.1, -2.7, 3.14159, 6e-8, 0.0, -1000.3]
  f16 = lambda x: np.asarray(x, dtype=np.float16).astype(np.float64)
  s.add("cast_float16", [V(halves, grad=False)], f16, out_dtype="float16")
  s.add("cast_float16_roundtrip", [V(halves)], f16, vjp=lambda g, x: [g], tol={"grad_rtol": 1e-3})
  s.add("float16_add", [F(3, 4, grad=False), F(3, 4, grad=False)],
        lambda x, y: f16(f16(x) + f16(y)),
        out_dtype="float16", tol={"atol": 1e-3, "rtol": 1e-3})
  s.add("float16_sum", [F(16, grad=False)], lambda x: f16(f16(x).sum()), out_dtype="float16",
        tol={"atol": 1e-2, "rtol": 1e-2})
  s.add("cast_int32", [V([1.7, -1.7, 2.5, -0.5, 100.9, 0.0], grad=False)], lambda x: np.trunc(x).astype(np.int64))
  s.add("cast_uint8", [V([0.0, 1.0, 255.0, 3.7, 128.2], grad=False)], lambda x: np.trunc(x).astype(np.int64),
        out_dtype="uint8")
  s.add("cast_bool", [V([0.0, 0.5, -2.0, 0.0, 1e-30], grad=False)], lambda x: x != 0)
  s.add("cast_bool_to_float", [B([True, False, True])], lambda x: x.astype(np.float64))
  s.add("cast_bool_to_int32", [B([True, False, True])], lambda x: x.astype(np.int64))
  s.add("cast_int32_to_float", [I([1, -2, 300, 16777217])], lambda x: x.astype(np.float32).astype(np.float64))
  s.add("cast_int32_to_float16", [I([1, -2, 300, 2049])], f16, out_dtype="float16")
  s.add("cast_int32_to_uint8", [I([0, 7, 255])], lambda x: x, out_dtype="uint8")
  s.add("cast_int32_to_bool", [I([0, 7, -1])], lambda x: x != 0)
  s.add("cast_uint8_to_float", [I([0, 7, 255])], lambda x: x.astype(np.float64))
  s.add("cast_float_identity", [F(3, 4)], lambda x: x)
  s.add("cast_float_to_int_and_back", [V([1.7, -1.7, 2.5, -0.5], grad=False)], np.trunc)
  return s
