"""indexing.json: subscripts (int, range with steps, newAxis, ellipsis, int32 tensors) and gather."""
import numpy as np

from fixtures_core import F, I, Suite
from fixtures_ref import gather, getitem

E = Ellipsis
# index tensors for the fancy-indexing cases (shapes as in teenygrad's tests, scaled down); x is (2, 3, 4, 4, 2, 3)
FANCY_SHAPE = (2, 3, 4, 4, 2, 3)
FANCY_INDEX = {
  "a": I(shape=(2, 1, 1, 1, 1, 1), lo=-1, hi=1),
  "b": I(shape=(1, 2, 1, 1, 1, 1), lo=0, hi=2),
  "c": I(shape=(1, 1, 2, 1, 1, 1), lo=-3, hi=3),
  "d": I(shape=(2, 1, 1, 2, 1, 1), lo=0, hi=3),
  "e": I(shape=(1, 1, 1, 1, 2, 1), lo=0, hi=2),
}
# each entry: case name -> the subscript, spelled with index tensor names as strings
FANCY_CASES = {
  "abcde": ["a", "b", "c", "d", "e"],
  "all_bcd_all": [slice(None), "b", "c", "d", slice(None)],
  "ab_ellipsis": ["a", "b", E],
  "a_ellipsis_e": ["a", E, "e"],
  "ellipsis_c_all_e": [E, "c", slice(None), "e"],
  "int_bcde": [1, "b", "c", "d", "e"],
  "ab_int_de": ["a", "b", 3, "d", "e"],
  "int_b_int_d_int": [1, "b", 2, "d", 1],
  "a_int_int_int_e": ["a", 2, 2, 2, "e"],
  "int_all_step_d_range": [1, slice(None), slice(1, 4, 2), "d", slice(0, 2)],
  "none_bcde": [None, "b", "c", "d", "e"],
  "abcd_none": ["a", "b", "c", "d", None],
  "ab_none_de": ["a", "b", None, "d", "e"],
  "none_bcd_none": [None, "b", "c", "d", None],
  "a_all_none_de": ["a", slice(None), None, "d", "e"],
  "int_b_none_d_int": [1, "b", None, "d", 1],
  "none_b_int_d_none": [None, "b", 2, "d", None],
  "ellipsis_int_d_none": [E, 1, "d", None],
}

BASIC_CASES = {
  # name: (input shape, subscript)
  "range_1_3": ((3,), (slice(1, 3),)),
  "range_0_2": ((3,), (slice(0, 2),)),
  "range_neg2_2": ((3,), (slice(-2, 2),)),
  "newaxis_scalar": ((), (None,)),
  "int_1": ((3,), (1,)),
  "int_neg2": ((3,), (-2,)),
  "int_neg1": ((3,), (-1,)),
  "int_row": ((4, 4), (1,)),
  "int_3": ((3, 3, 3), (1, 1, 1)),
  "multi_range": ((3, 3, 3), (slice(1, 2),)),
  "multi_range_int": ((3, 3, 3), (slice(1, 2), 2)),
  "multi_range_range": ((3, 3, 3), (slice(1, 2), slice(1, 2))),
  "multi_range_range_neg": ((3, 3, 3), (slice(1, 2), slice(1, 2), slice(0, -1))),
  "newaxis": ((3, 3, 3), (None,)),
  "range_newaxis": ((3, 3, 3), (slice(1, 2), None)),
  "range_newaxis_range": ((3, 3, 3), (slice(1, 2), None, slice(1, 2))),
  "range_range_newaxis_int": ((3, 3, 3), (slice(1, 2), slice(1, 2), None, -1)),
  "out_of_bounds_end": ((3, 3, 3), (slice(0, 4),)),
  "out_of_bounds_both": ((3, 3, 3), (slice(-6, 4),)),
  "out_of_bounds_50": ((3, 3, 3), (slice(1, 50),)),
  "out_of_bounds_mixed": ((3, 3, 3), (slice(1, 50), slice(1, 2), -1)),
  "step_2_3_4": ((7, 5, 10), (slice(None, None, 2), slice(None, None, 3), slice(None, None, 4))),
  "step_range_2": ((7, 5, 10), (slice(1, 5, 2), slice(None, None, 3), slice(None, None, 4))),
  "step_int": ((7, 5, 10), (slice(1, 5, 2), 3, slice(None, None, 4))),
  "step_newaxes": ((7, 5, 10), (slice(1, 5, 2), None, None, 3, None, slice(None, None, 4))),
  "neg_step_1": ((4, 4, 5), (slice(None, None, -1),)),
  "neg_step_2": ((4, 4, 5), (slice(None, None, -2),)),
  "neg_step_range": ((4, 4, 5), (slice(None), slice(2, 0, -1))),
  "neg_step_two_axes": ((4, 4, 5), (slice(None), slice(2, 0, -1), slice(3, 1, -2))),
  "neg_step_three_axes": ((4, 4, 5), (slice(3, 0, -3), slice(2, 0, -1), slice(-1, -5, -2))),
  "ellipsis_int": ((2, 3, 2, 3), (E, 0)),
  "int_ellipsis": ((2, 3, 2, 3), (0, E)),
  "int_ellipsis_int": ((2, 3, 2, 3), (0, E, 0)),
  "range_ellipsis_range": ((2, 3, 2, 3), (slice(0, 3), E, slice(2, 3))),
  "newaxis_range_ellipsis_int_newaxis": ((2, 3, 2, 3), (None, slice(0, 3), E, 0, None)),
  "all_int": ((3, 4), (slice(None), 0)),
}
EMPTY_CASES = {
  "empty_both_out_of_bounds": ((3, 3, 3), (slice(5, 10),)),
  "empty_both_negative": ((3, 3, 3), (slice(-15, -7),)),
  "empty_start_after_end": ((3, 3, 3), (slice(-2, -5),)),
  "empty_range": ((4, 4), (slice(1, 1),)),
  "empty_neg_step": ((4, 4, 5), (slice(2, 5, -1),)),
  "start_after_end_nonempty": ((3, 3, 3), (slice(-2, 2),)),
}
DOUBLE_CASES = {
  "double_slice_cols_rows": lambda x: x[:, 1:2][1:2],
  "double_slice_rows_rows": lambda x: x[1:3][1:2],
  "double_slice_cols_first": lambda x: x[:, 1:2][0:1],
  "double_slice_cols_cols": lambda x: x[:, 1:2][:, 0:1],
}


def build():
  s = Suite("indexing")
  for name, (shape, sub) in BASIC_CASES.items():
    s.add(name, [F(*shape)], lambda x, sub=sub: getitem(x, sub))
  for name, (shape, sub) in EMPTY_CASES.items():
    s.add(name, [F(*shape)], lambda x, sub=sub: getitem(x, sub), forward_only=True)
  for name, fn in DOUBLE_CASES.items():
    s.add(name, [F(4, 4)], fn)

  names = list(FANCY_INDEX)
  for name, sub in FANCY_CASES.items():
    used = [k for k in names if k in sub]
    inputs = [F(*FANCY_SHAPE)] + [FANCY_INDEX[k] for k in used]

    def fn(x, *idx, sub=sub, used=used):
      lookup = dict(zip(used, idx))
      return getitem(x, tuple(lookup[i] if isinstance(i, str) else i for i in sub))
    s.add("fancy_" + name, inputs, fn)
  s.add("fancy_2d_index_and_scalar_index", [F(2, 3), I([[0, 0, 0], [0, 0, 0]]), I(1)],
        lambda x, i, j: getitem(x, (i, j)))
  s.add("fancy_1d_index_and_2d_index", [F(2, 3), I([1]), I([[0, 0, 0], [0, 0, 0]])],
        lambda x, i, j: getitem(x, (i, j)))
  s.add("fancy_single", [F(5, 3), I([4, 0, -1, 2])], lambda x, i: getitem(x, (i,)))
  s.add("fancy_single_axis1", [F(2, 4), I([[3, 0], [1, 1]])], lambda x, i: getitem(x, (slice(None), i)))

  for dim in (0, 1, 2, -1):
    s.add(f"gather_dim{dim}".replace("-", "neg"), [F(3, 4, 5), I(shape=(2, 3, 4), lo=0, hi=3)],
          lambda x, i, d=dim: gather(x, i, d % 3))
  s.add("gather_same_shape", [F(3, 4), I(shape=(3, 4), lo=0, hi=3)], lambda x, i: gather(x, i, 0))
  s.add("gather_repeated_index", [F(2, 4), I([[0, 0, 3], [2, 2, 2]])], lambda x, i: gather(x, i, 1))
  return s
