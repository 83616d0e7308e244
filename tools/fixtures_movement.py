"""movement.json: reshape, expand, permute, flip, shrink, pad, transpose, flatten, squeeze, cat, stack, repeat."""
import numpy as np

from fixtures_core import F, Suite
from fixtures_ref import pad_or_crop

INF = float("inf")


def pad(x, widths, value=0.0):
  """teenygrad's pad: (before, after) per axis from the first, None leaves an axis alone."""
  return np.pad(x, [w or (0, 0) for w in widths], constant_values=value)


def pad2d(x, padding, value=0.0):
  """(left, right, top, bottom): pairs apply from the last axis backwards; negative values crop."""
  pairs = [(padding[2 * i], padding[2 * i + 1]) for i in range(len(padding) // 2)][::-1]
  return pad_or_crop(x, pairs, value)


def build():
  s = Suite("movement")
  x4 = (2, 3, 2, 2)
  s.add("reshape_infer_first", [F(*x4)], lambda x: x.reshape(-1, 3, 2, 2))
  s.add("reshape_infer_ones", [F(*x4)], lambda x: x.reshape(-1, 1, 2, 2))
  s.add("reshape_flat", [F(3, 4)], lambda x: x.reshape(12))
  s.add("reshape_scalar_to_scalar", [F()], lambda x: x.reshape(()))
  s.add("reshape_one_to_scalar", [F(1)], lambda x: x.reshape(()))
  s.add("reshape_scalar_to_one", [F()], lambda x: x.reshape(1))
  s.add("reshape_3d", [F(4, 6)], lambda x: x.reshape(2, 3, 4))

  s.add("expand", [F(2, 3, 1, 4)], lambda x: np.broadcast_to(x, (2, 3, 2, 4)))
  s.add("expand_keep", [F(2, 3, 1, 4)], lambda x: np.broadcast_to(x, (2, 3, 5, 4)))
  s.add("expand_new_axes", [F(3, 1)], lambda x: np.broadcast_to(x, (2, 3, 4)))
  s.add("expand_scalar", [F()], lambda x: np.broadcast_to(x, ()))

  s.add("permute_3021", [F(1, 2, 3, 4)], lambda x: x.transpose(3, 0, 2, 1))
  s.add("permute_3210", [F(2, 3, 4, 5)], lambda x: x.transpose(3, 2, 1, 0))
  s.add("permute_scalar", [F()], lambda x: x)
  s.add("transpose_12", [F(2, 3, 4)], lambda x: np.swapaxes(x, 1, 2))
  s.add("transpose_02", [F(2, 3, 4)], lambda x: np.swapaxes(x, 0, 2))
  s.add("transpose_default", [F(3, 4)], lambda x: x.T)
  s.add("transpose_neg", [F(2, 3, 4)], lambda x: np.swapaxes(x, -1, -2))
  s.add("T", [F(3, 4)], lambda x: x.T)

  f4 = (2, 3, 2, 3)
  for name, axes in {"0": (0,), "01": (0, 1), "013": (0, 1, 3), "3": (3,), "neg1": (-1,), "none": ()}.items():
    s.add("flip_" + name, [F(*f4)], lambda x, a=axes: np.flip(x, a) if a else x)
  s.add("flip_twice", [F(*f4)], lambda x: np.flip(np.flip(x, (0, 1, 3)), 0))
  s.add("flip_scalar_none", [F()], lambda x: x)
  s.add("flip_one_none", [F(1)], lambda x: x)

  s.add("shrink", [F(4, 3, 5)], lambda x: x[1:3, :, 0:2])
  s.add("shrink_all", [F(4, 5)], lambda x: x[1:4, 2:3])

  s.add("pad", [F(3, 3)], lambda x: pad(x, [(3, 4), (1, 2)]))
  s.add("pad_value5", [F(3, 3)], lambda x: pad(x, [(3, 4), (1, 2)], 5.0))
  s.add("pad_value_inf", [F(3, 3)], lambda x: pad(x, [(3, 4), (1, 2)], INF))
  s.add("pad_value_neginf", [F(3, 3)], lambda x: pad(x, [(3, 4), (1, 2)], -INF))
  s.add("pad_none_axis", [F(3, 3)], lambda x: pad(x, [(3, 4), None], 1.0))
  s.add("pad_nothing", [F(3, 3)], lambda x: pad(x, [None, None], 1.0))
  s.add("pad_3d", [F(2, 3, 2)], lambda x: pad(x, [(0, 1), None, (2, 0)]))

  p4 = (2, 2, 3, 3)
  s.add("pad2d", [F(*p4)], lambda x: pad2d(x, (1, 2, 3, 4)))
  s.add("pad2d_negative", [F(*p4)], lambda x: pad2d(x, (-1, 2, -2, 4)))
  s.add("pad2d_value5", [F(*p4)], lambda x: pad2d(x, (1, 2, 3, 4), 5.0))
  s.add("pad2d_negative_value5", [F(*p4)], lambda x: pad2d(x, (-1, 2, -2, 4), 5.0))
  s.add("padding_add", [F(8, 8), F(4, 4)], lambda x, w: x + pad2d(w, (2, 2, 2, 2)))

  for d in range(3):
    s.add(f"flatten_{d}", [F(*x4)], lambda x, d=d: x.reshape(*x.shape[:d], -1))
  s.add("flatten_scalar", [F()], lambda x: x.reshape(-1))
  s.add("flatten_one", [F(1)], lambda x: x.reshape(-1))

  s.add("squeeze_dim0", [F(1, 3, 2, 2)], lambda x: np.squeeze(x, 0))
  s.add("squeeze_dim1_noop", [F(4, 3, 1, 2)], lambda x: x)
  s.add("squeeze_dim2", [F(4, 3, 1, 2)], lambda x: np.squeeze(x, 2))
  s.add("squeeze_dim_neg1", [F(2, 3, 2, 1)], lambda x: np.squeeze(x, -1))
  s.add("squeeze_all_noop", [F(*x4)], lambda x: x)
  s.add("squeeze_all_first", [F(1, 3, 2, 2)], np.squeeze)
  s.add("squeeze_all_last", [F(2, 3, 1)], np.squeeze)
  s.add("squeeze_all_many", [F(1, 3, 1, 2, 1)], np.squeeze)
  s.add("squeeze_scalar_neg1", [F()], lambda x: x)
  s.add("squeeze_scalar_0", [F()], lambda x: x)
  s.add("squeeze_scalar", [F()], lambda x: x)

  for d in (0, 4, -1, -3):
    s.add(f"unsqueeze_{d}".replace("-", "neg"), [F(*x4)], lambda x, d=d: np.expand_dims(x, d))
  s.add("unsqueeze_scalar", [F()], lambda x: np.expand_dims(x, 0))

  for d in range(-2, 3):
    s.add(f"cat_dim{d}".replace("-", "neg"), [F(2, 3, 2), F(2, 3, 2), F(2, 3, 2)],
          lambda x, y, z, d=d: np.concatenate([x, y, z], d))
  for d in range(-1, 2):
    s.add(f"cat2d_dim{d}".replace("-", "neg"), [F(3, 4), F(3, 4), F(3, 4)],
          lambda x, y, z, d=d: np.concatenate([x, y, z], d))
  s.add("cat_uneven", [F(2, 3), F(4, 3), F(1, 3)], lambda x, y, z: np.concatenate([x, y, z], 0))
  s.add("cat_uneven_dim1", [F(2, 1), F(2, 4)], lambda x, y: np.concatenate([x, y], 1))
  for d in range(-1, 4):
    s.add(f"stack_dim{d}".replace("-", "neg"), [F(2, 3, 2), F(2, 3, 2), F(2, 3, 2)],
          lambda x, y, z, d=d: np.stack([x, y, z], d))
  s.add("stack_scalars", [F(), F()], lambda x, y: np.stack([x, y]))

  for reps in ([], [2], [2, 1], [1, 2, 2]):
    r = [2, 1, 3] + reps
    tag = "_".join(map(str, r))
    s.add("repeat_" + tag, [F(2, 3, 2)], lambda x, r=r: np.tile(x, r))
    s.add("repeat_scalar_" + tag, [F()], lambda x, r=r: np.tile(x, r))
  s.add("repeat_zero", [F(2, 3, 2)], lambda x: np.tile(x, (2, 0, 4)), forward_only=True)

  s.add("contiguous", [F(3, 4)], lambda x: x)
  s.add("contiguous_transposed", [F(3, 4)], lambda x: x.T.copy())
  s.add("detach", [F(3, 4, grad=False)], lambda x: x)
  return s
