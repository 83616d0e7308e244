"""nn.json: linear, conv2d (1-d/2-d/3-d, strided, padded, grouped, dilated, 1x1), convTranspose2d, pools,
layernorm, batchnorm, attention, losses, triu/tril."""
import numpy as np

from fixtures_core import B, F, I, V, Suite
from fixtures_ref import attention, conv, conv_transpose, log_softmax, pool, sigmoid

CONV_TOL = {"atol": 1e-4, "grad_atol": 1e-4}


def relu(x):
  return np.maximum(x, 0)


def add_convs(s):
  def c(name, shapes, fn):
    s.add(name, [F(*shape) for shape in shapes], fn, tol=CONV_TOL)

  c("conv2d_biased", [(1, 4, 5, 5), (4, 4, 1, 1), (4,)], lambda x, w, b: relu(conv(relu(conv(x, w, b)), w, b)))
  c("conv2d_simple", [(1, 2, 5, 5), (2, 2, 3, 3)], lambda x, w: relu(conv(x, w)))
  c("conv2d_1x1", [(1, 2, 4, 4), (3, 2, 1, 1)], lambda x, w: relu(conv(x, w)))
  c("conv2d_nested", [(1, 3, 6, 6), (3, 3, 3, 3), (3, 3, 3, 3)], lambda x, w1, w2: relu(conv(relu(conv(x, w1)), w2)))
  c("conv2d_nhwc", [(2, 5, 5, 3), (3, 3, 3, 4)],
    lambda x, w: relu(conv(x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1))))
  c("conv2d_batched", [(2, 2, 5, 5), (2, 2, 3, 3)], lambda x, w: relu(conv(x, w)))
  c("conv2d_bias_only", [(2, 3, 4, 4), (2, 3, 2, 2), (2,)], lambda x, w, b: conv(x, w, b))
  # the grid of teenygrad's _test_conv2d, sampled: (batch, cin, kernel h, kernel w, groups)
  for bs, cin, kh, kw, g in [(1, 1, 1, 1, 1), (1, 1, 2, 3, 1), (1, 3, 3, 3, 1), (1, 3, 3, 3, 3), (2, 1, 3, 5, 1),
                             (2, 3, 2, 2, 1), (2, 3, 3, 3, 3), (2, 3, 1, 5, 1)]:
    c(f"conv2d_bs{bs}_cin{cin}_k{kh}x{kw}_g{g}", [(bs, cin, 6, 5), (6, cin // g, kh, kw)],
      lambda x, w, g=g: relu(conv(x, w, groups=g)))
  c("conv2d_grouped_simple", [(1, 4, 1, 1), (2, 2, 1, 1)], lambda x, w: relu(conv(x, w, groups=2)))
  c("conv2d_grouped_medium", [(1, 4, 1, 1), (4, 2, 1, 1)], lambda x, w: relu(conv(x, w, groups=2)))
  c("conv2d_depthwise", [(1, 4, 4, 4), (4, 1, 1, 1)], lambda x, w: relu(conv(x, w, groups=4)))
  c("conv2d_grouped", [(2, 6, 4, 4), (6, 2, 3, 3)], lambda x, w: relu(conv(x, w, groups=3)))
  c("conv2d_fancy", [(2, 3, 5, 6), (3, 1, 3, 3)], lambda x, w: relu(conv(x, w, groups=3)))
  c("conv2d_strided_simple", [(2, 1, 5, 1), (1, 1, 3, 1)], lambda x, w: relu(conv(x, w, stride=2)))
  c("conv2d_strided", [(2, 3, 7, 8), (2, 3, 3, 3)], lambda x, w: relu(conv(x, w, stride=2)))
  c("conv2d_strided_2_1", [(2, 3, 7, 8), (2, 3, 3, 3)], lambda x, w: relu(conv(x, w, stride=[2, 1])))
  c("conv2d_negative_padding", [(1, 1, 6, 6), (1, 1, 3, 3)], lambda x, w: relu(conv(x, w, padding=-1)))
  c("conv2d_negative_padding_4", [(1, 1, 6, 6), (1, 1, 3, 3)], lambda x, w: relu(conv(x, w, padding=[-1, 0, -1, 0])))
  s.add("conv2d_simple_padding", [V([[[[2.0, 3.0]]]]), V([[[[1.0]]]])],
        lambda x, w: relu(conv(x, w, padding=[1, 1, 1, 1])), tol=CONV_TOL)
  for p in [(0, 1, 0, 1), (2, 1, 2, 1), (2, 0, 2, 1)]:
    for n in (3, 4):
      c(f"conv2d_asymmetric_padding_{'_'.join(map(str, p))}_n{n}", [(1, 1, n, n), (1, 1, 2, 2)],
        lambda x, w, p=p: relu(conv(x, w, padding=list(p))))
  c("conv2d_padded_2_1", [(2, 3, 5, 6), (2, 3, 3, 3)], lambda x, w: relu(conv(x, w, padding=[2, 1])))
  c("conv2d_padded_2_2", [(2, 3, 5, 6), (2, 3, 3, 3)], lambda x, w: relu(conv(x, w, padding=[2, 2])))
  c("conv2d_padded_1x1", [(2, 3, 3, 4), (2, 3, 1, 1)], lambda x, w: relu(conv(x, w, padding=2)))
  c("conv2d_padded_bs1", [(1, 3, 5, 6), (2, 3, 3, 3)], lambda x, w: relu(conv(x, w, padding=1)))
  c("conv2d_dilated_2", [(2, 3, 7, 8), (2, 3, 3, 3)], lambda x, w: relu(conv(x, w, dilation=2)))
  c("conv2d_dilated_2_1", [(2, 3, 7, 8), (2, 3, 3, 3)], lambda x, w: relu(conv(x, w, dilation=[2, 1])))
  c("conv2d_stride_dilation_padding_bias", [(2, 2, 7, 7), (4, 2, 3, 3), (4,)],
    lambda x, w, b: conv(x, w, b, stride=2, dilation=2, padding=1))

  for bs in (1, 2):
    for cin in (1, 3):
      for k in (1, 2, 5):
        c(f"conv1d_bs{bs}_cin{cin}_k{k}", [(bs, cin, 7), (4, cin, k)], lambda x, w: relu(conv(x, w)))
  c("conv1d_grouped", [(2, 3, 7), (6, 1, 5)], lambda x, w: relu(conv(x, w, groups=3)))
  c("conv1d_padded", [(3, 2, 7), (4, 2, 5)], lambda x, w: relu(conv(x, w, padding=[1, 1])))
  c("conv1d_strided", [(2, 1, 5), (1, 1, 3)], lambda x, w: relu(conv(x, w, stride=2)))
  for p in [(0, 1), (2, 1), (2, 0)]:
    for n in (3, 4):
      c(f"conv1d_asymmetric_padding_{p[0]}_{p[1]}_n{n}", [(1, 1, n), (1, 1, 2)],
        lambda x, w, p=p: relu(conv(x, w, padding=list(p))))
  c("conv3d", [(1, 2, 4, 4, 4), (2, 2, 3, 3, 3)], lambda x, w: relu(conv(x, w)))
  c("conv3d_padded", [(1, 2, 3, 3, 3), (2, 2, 3, 3, 3)], lambda x, w: relu(conv(x, w, padding=[1, 1, 1, 1, 1, 1])))

  c("conv_transpose2d", [(2, 2, 4, 4), (2, 2, 3, 3)], lambda x, w: relu(conv_transpose(x, w)))
  c("conv_transpose2d_bias", [(2, 2, 4, 4), (2, 2, 3, 3), (2,)], lambda x, w, b: relu(conv_transpose(x, w, b)))
  c("conv_transpose2d_grouped", [(2, 4, 3, 3), (4, 2, 3, 3)], lambda x, w: relu(conv_transpose(x, w, groups=2)))
  for p in [(1, 2), (2, 1), 2, 1, 0]:
    tag = "_".join(map(str, p)) if isinstance(p, tuple) else str(p)
    c(f"conv_transpose2d_padded_{tag}", [(2, 2, 4, 4), (2, 2, 3, 3)],
      lambda x, w, p=p: relu(conv_transpose(x, w, padding=list(p) if isinstance(p, tuple) else p)))
  for d in [(1, 2), (2, 1), 2]:
    tag = "_".join(map(str, d)) if isinstance(d, tuple) else str(d)
    c(f"conv_transpose2d_dilated_{tag}", [(2, 2, 4, 4), (2, 2, 3, 3)],
      lambda x, w, d=d: relu(conv_transpose(x, w, dilation=list(d) if isinstance(d, tuple) else d)))
  for st in [(2, 1), (1, 2), 2]:
    tag = "_".join(map(str, st)) if isinstance(st, tuple) else str(st)
    c(f"conv_transpose2d_strided_{tag}", [(2, 2, 3, 4), (2, 2, 3, 3)],
      lambda x, w, st=st: relu(conv_transpose(x, w, stride=list(st) if isinstance(st, tuple) else st)))
  for op, st in [((1, 1), (2, 3)), ((2, 1), (3, 2))]:
    c(f"conv_transpose2d_output_padding_{op[0]}_{op[1]}", [(2, 2, 3, 3), (2, 2, 3, 3), (2,)],
      lambda x, w, b, op=op, st=st: relu(conv_transpose(x, w, b, stride=list(st), output_padding=list(op))))
  c("conv_transpose3d", [(1, 2, 3, 3, 3), (2, 2, 2, 2, 2)], lambda x, w: relu(conv_transpose(x, w)))


def add_pools(s):
  x = (1, 2, 10, 7)
  s.add("max_pool2d_simple", [F(1, 1, 2, 3)], lambda x: pool(x, 2))
  s.add("max_pool2d_default", [F(1, 2, 4, 6)], lambda x: pool(x, 2))
  for k in [(2, 2), (3, 3), 2, 3, (3, 2), (5, 5), (5, 1)]:
    tag = "_".join(map(str, k)) if isinstance(k, tuple) else str(k)
    s.add(f"max_pool2d_k{tag}", [F(*x)], lambda x, k=k: pool(x, list(k) if isinstance(k, tuple) else k))
  for st in [(2, 3), (3, 2), 2, 3]:
    tag = "_".join(map(str, st)) if isinstance(st, tuple) else str(st)
    s.add(f"max_pool2d_k2_stride{tag}", [F(*x)], lambda x, st=st: pool(x, 2, list(st) if isinstance(st, tuple) else st))
    s.add(f"max_pool2d_k5_stride{tag}", [F(*x)], lambda x, st=st: pool(x, 5, list(st) if isinstance(st, tuple) else st))
  s.add("max_pool2d_unit_stride", [F(1, 1, 7, 6)], lambda x: pool(x, 5, 1))
  for d in [(2, 3), (3, 2), 2, 3]:
    tag = "_".join(map(str, d)) if isinstance(d, tuple) else str(d)
    s.add(f"max_pool2d_dilation{tag}", [F(1, 1, 14, 13)],
          lambda x, d=d: pool(x, 5, dilation=list(d) if isinstance(d, tuple) else d))
  x = (1, 2, 11, 7)
  for k in [(2, 2), (3, 3), (3, 2), (5, 5), (5, 1)]:
    s.add(f"avg_pool2d_k{k[0]}_{k[1]}", [F(*x)], lambda x, k=k: pool(x, list(k), reduce=np.mean))
  s.add("avg_pool2d_global", [F(*x)], lambda x: pool(x, [11, 7], reduce=np.mean))
  s.add("avg_pool2d_stride1", [F(1, 1, 5, 5)], lambda x: pool(x, 2, 1, reduce=np.mean))


def layernorm(x, axis=-1, eps=1e-5):
  y = x - x.mean(axis=axis, keepdims=True)
  return y / np.sqrt((y * y).mean(axis=axis, keepdims=True) + eps)


def bce(p, y):
  return np.mean(-y * np.log(p) - (1 - y) * np.log(1 - p))


def sparse_ce(logits, labels, ignore=-1):
  lsm = log_softmax(logits, -1).reshape(-1, logits.shape[-1])
  labels = labels.reshape(-1).astype(np.int64)
  keep = labels != ignore
  picked = lsm[np.arange(len(labels))[keep], labels[keep]]
  return -picked.sum() / keep.sum()


def add_functional(s):
  s.add("linear", [F(2, 3, 4), F(4, 5), F(5)], lambda x, w, b: x @ w + b)
  s.add("linear_no_bias", [F(3, 4), F(4, 2)], lambda x, w: x @ w)
  s.add("linear_1d_weight", [F(3, 4), F(4)], lambda x, w: x * w)

  s.add("layernorm", [F(2, 3, 4)], layernorm)
  s.add("layernorm_axis1", [F(2, 3, 4)], lambda x: layernorm(x, 1))
  s.add("layernorm_eps", [F(3, 5)], lambda x: layernorm(x, -1, 0.1))

  def bn(x, w, b, m, inv):
    shape = (1, -1, 1, 1)
    return (x - m.reshape(shape)) * w.reshape(shape) * inv.reshape(shape) + b.reshape(shape)
  s.add("batchnorm", [F(2, 3, 2, 2), F(3), F(3), F(3), F(3, lo=0.5, hi=2)], bn)
  s.add("batchnorm_no_affine", [F(2, 3, 2, 2), F(3), F(3, lo=0.5, hi=2)],
        lambda x, m, inv: (x - m.reshape(1, -1, 1, 1)) * inv.reshape(1, -1, 1, 1))

  q = (2, 2, 4, 6)
  s.add("attention", [F(*q), F(*q), F(*q)], attention)
  s.add("attention_mask", [F(*q), F(*q), F(*q), F(2, 2, 4, 4)], lambda a, b, c, m: attention(a, b, c, mask=m))
  s.add("attention_causal", [F(*q), F(*q), F(*q)], lambda a, b, c: attention(a, b, c, causal=True))
  mask = np.tril(np.ones((4, 4), dtype=bool))
  mask[3, 1] = False
  s.add("attention_bool_mask", [F(*q), F(*q), F(*q), B(mask.tolist())], lambda a, b, c, m: attention(a, b, c, mask=m))

  s.add("binary_crossentropy", [F(4, 5), F(4, 5)], lambda x, y: bce(sigmoid(x), np.clip(y, 0, 1)))
  s.add("binary_crossentropy_logits", [F(4, 5), F(4, 5)], lambda x, y: bce(sigmoid(x), np.clip(y, 0, 1)))
  s.add("binary_crossentropy_logits_large", [F(4, 5, lo=-30, hi=30), F(4, 5, lo=0, hi=1)],
        lambda x, y: np.mean(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))))
  s.add("sparse_categorical_crossentropy", [F(4, 5), I(shape=(4,), lo=0, hi=5)], sparse_ce)
  s.add("sparse_categorical_crossentropy_float_labels", [F(4, 5), V([1.0, 0.0, 4.0, 2.0], grad=False)], sparse_ce)
  s.add("sparse_categorical_crossentropy_ignore", [F(4, 5), I([1, -1, 3, -1])], sparse_ce)
  s.add("sparse_categorical_crossentropy_ignore_2", [F(4, 5), I([2, 0, 2, 4])], lambda x, y: sparse_ce(x, y, 2))
  s.add("sparse_categorical_crossentropy_3d", [F(2, 3, 4), I(shape=(2, 3), lo=0, hi=4)], sparse_ce)

  for k in (0, 1, -1):
    tag = str(k).replace("-", "neg")
    s.add(f"triu_{tag}", [F(3, 3)], lambda x, k=k: np.triu(x, k))
    s.add(f"tril_{tag}", [F(3, 3)], lambda x, k=k: np.tril(x, k))
  for k in (0, 1):
    s.add(f"triu_batched_{k}", [F(2, 3, 4)], lambda x, k=k: np.triu(x, k))
    s.add(f"tril_batched_{k}", [F(2, 3, 4)], lambda x, k=k: np.tril(x, k))


def build():
  s = Suite("nn")
  add_functional(s)
  add_convs(s)
  add_pools(s)
  return s
