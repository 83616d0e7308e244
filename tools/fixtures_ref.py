"""Independent numpy (float64) references for the ops whose numpy spelling is not a one-liner."""
import itertools
import math

import numpy as np


def expand_arg(value, n):
  """teenygrad's make_pair: one value for every spatial dimension, or one per dimension."""
  if isinstance(value, int):
    return [value] * n
  value = list(value)
  return value * n if len(value) == 1 else value


def conv_padding(padding, nd):
  """(before, after) per spatial dimension, first spatial dimension first.

  One value pads every side; nd values pad both sides of each dimension; 2*nd values are given last
  dimension first, (left, right, top, bottom) in 2-d.
  """
  if isinstance(padding, int):
    return [(padding, padding)] * nd
  padding = list(padding)
  if len(padding) == 1:
    return [(padding[0], padding[0])] * nd
  if len(padding) == nd:
    return [(p, p) for p in padding]
  assert len(padding) == 2 * nd
  pairs = [(padding[2 * i], padding[2 * i + 1]) for i in range(nd)]
  return pairs[::-1]


def pad_or_crop(x, pads, value=0.0):
  """Pads (positive) or crops (negative) the trailing len(pads) axes of x."""
  lead = x.ndim - len(pads)
  width = [(0, 0)] * lead + [(max(b, 0), max(a, 0)) for b, a in pads]
  x = np.pad(x, width, constant_values=value)
  crop = [slice(None)] * lead + [slice(max(-b, 0), x.shape[lead + i] - max(-a, 0)) for i, (b, a) in enumerate(pads)]
  return x[tuple(crop)]


def conv(x, w, b=None, groups=1, stride=1, dilation=1, padding=0):
  """N-d cross-correlation with PyTorch's weight layout (cout, cin / groups, *kernel)."""
  nd = w.ndim - 2
  x = pad_or_crop(x, conv_padding(padding, nd))
  s, d = expand_arg(stride, nd), expand_arg(dilation, nd)
  bs, cin_total = x.shape[:2]
  cout, cin = w.shape[:2]
  kernel = w.shape[2:]
  assert cin * groups == cin_total
  osz = [(x.shape[2 + i] - d[i] * (kernel[i] - 1) - 1) // s[i] + 1 for i in range(nd)]
  out = np.zeros((bs, cout, *osz))
  rcout = cout // groups
  for g in range(groups):
    xg = x[:, g * cin:(g + 1) * cin]
    wg = w[g * rcout:(g + 1) * rcout]
    for offset in itertools.product(*[range(k) for k in kernel]):
      window = tuple(slice(offset[i] * d[i], offset[i] * d[i] + (osz[i] - 1) * s[i] + 1, s[i]) for i in range(nd))
      xs = xg[(slice(None), slice(None), *window)]
      out[:, g * rcout:(g + 1) * rcout] += np.einsum("bc...,oc->bo...", xs, wg[(slice(None), slice(None), *offset)])
  if b is not None:
    out = out + b.reshape(1, -1, *[1] * nd)
  return out


def conv_transpose(x, w, b=None, groups=1, stride=1, dilation=1, padding=0, output_padding=0):
  """N-d transposed convolution (scatter form), weight layout (cin, cout / groups, *kernel)."""
  nd = w.ndim - 2
  s, d = expand_arg(stride, nd), expand_arg(dilation, nd)
  p, op = expand_arg(padding, nd), expand_arg(output_padding, nd)
  bs, cin_total = x.shape[:2]
  cin_g = cin_total // groups
  rcout = w.shape[1]
  kernel = w.shape[2:]
  isz = x.shape[2:]
  full = [(isz[i] - 1) * s[i] + d[i] * (kernel[i] - 1) + 1 + op[i] for i in range(nd)]
  out = np.zeros((bs, rcout * groups, *full))
  for g in range(groups):
    xg = x[:, g * cin_g:(g + 1) * cin_g]
    wg = w[g * cin_g:(g + 1) * cin_g]
    for offset in itertools.product(*[range(k) for k in kernel]):
      contrib = np.einsum("bc...,co->bo...", xg, wg[(slice(None), slice(None), *offset)])
      window = tuple(slice(offset[i] * d[i], offset[i] * d[i] + (isz[i] - 1) * s[i] + 1, s[i]) for i in range(nd))
      out[(slice(None), slice(g * rcout, (g + 1) * rcout), *window)] += contrib
  crop = tuple(slice(p[i], full[i] - p[i]) for i in range(nd))
  out = out[(slice(None), slice(None), *crop)]
  if b is not None:
    out = out + b.reshape(1, -1, *[1] * nd)
  return out


def pool(x, kernel, stride=None, dilation=1, reduce=np.max):
  """2-d pooling windows over the last two axes, no padding."""
  kernel = expand_arg(kernel, 2)
  stride = kernel if stride is None else expand_arg(stride, 2)
  d = expand_arg(dilation, 2)
  h, w = x.shape[-2:]
  oh = (h - d[0] * (kernel[0] - 1) - 1) // stride[0] + 1
  ow = (w - d[1] * (kernel[1] - 1) - 1) // stride[1] + 1
  windows = []
  for i in range(kernel[0]):
    for j in range(kernel[1]):
      windows.append(x[..., i * d[0]:i * d[0] + (oh - 1) * stride[0] + 1:stride[0],
                       j * d[1]:j * d[1] + (ow - 1) * stride[1] + 1:stride[1]])
  return reduce(np.stack(windows, axis=-1), axis=-1)


def softmax(x, axis=-1):
  e = np.exp(x - x.max(axis=axis, keepdims=True))
  return e / e.sum(axis=axis, keepdims=True)


def log_softmax(x, axis=-1):
  m = x - x.max(axis=axis, keepdims=True)
  return m - np.log(np.exp(m).sum(axis=axis, keepdims=True))


def sigmoid(x):
  return 1.0 / (1.0 + np.exp(-x))


def softplus(x, beta=1.0):
  return np.logaddexp(0.0, x * beta) / beta


def getitem(x, index):
  """PyTorch-style indexing: integers and slices act first, then the index arrays.

  Index arrays that end up on adjacent axes keep their place; otherwise their broadcast axes move to the
  front (numpy's rule, applied after integers have removed their axes, as PyTorch and teenygrad do).
  """
  index = list(index) if isinstance(index, tuple) else [index]
  consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
  at = next((k for k, i in enumerate(index) if i is Ellipsis), None)
  if at is not None:
    index[at:at + 1] = [slice(None)] * (x.ndim - consumed)
  else:
    index += [slice(None)] * (x.ndim - consumed)
  basic, positions, arrays, axis = [], [], [], 0
  for item in index:
    if isinstance(item, np.ndarray):
      basic.append(slice(None))
      positions.append(axis)
      arrays.append(item)
      axis += 1
    else:
      basic.append(item)
      if not isinstance(item, (int, np.integer)):
        axis += 1
  y = x[tuple(basic)]
  if arrays:
    adv = [slice(None)] * y.ndim
    for p, a in zip(positions, arrays):
      adv[p] = a
    y = y[tuple(adv)]
  return y


def gather(x, idx, dim):
  """torch.gather: out[..., i, ...] = x[..., idx[..., i, ...], ...] along dim; idx may be smaller than x."""
  shrink = tuple(slice(None) if a == dim else slice(0, idx.shape[a]) for a in range(x.ndim))
  return np.take_along_axis(x[shrink], idx, axis=dim)


def gelu_tanh(x):
  return 0.5 * x * (1 + np.tanh(x * 0.7978845608 * (1 + 0.044715 * x * x)))


def attention(q, k, v, mask=None, causal=False):
  logits = q @ np.swapaxes(k, -1, -2) / math.sqrt(q.shape[-1])
  if causal:
    allowed = np.tril(np.ones((q.shape[-2], k.shape[-2]), dtype=bool))
    logits = logits + np.where(allowed, 0.0, -np.inf)
  if mask is not None:
    logits = logits + (np.where(mask, 0.0, -np.inf) if mask.dtype == bool else mask)
  return softmax(logits, -1) @ v
