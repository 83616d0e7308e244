"""optim.json: SGD (momentum, nesterov, weight decay), Adam, AdamW and LAMB trajectories on teenygrad's TinyNet.

TinyNet: L = sum(logSoftmax(relu(x @ W), axis 1) * m + m), x (1, 4) and W (4, 4) trained, m (1, 4) fixed.
Each case records x and W after every step. The references run in float64; every case is also run in
float32 and must agree with it, so the recorded trajectory does not hinge on rounding.
"""
import numpy as np

from fixtures_core import Suite, encode_tensor


def tinynet_grads(x, W, m):
  z = x @ W
  r = np.maximum(z, 0)
  e = np.exp(r - r.max(axis=1, keepdims=True))
  sm = e / e.sum(axis=1, keepdims=True)
  dr = m - sm * m.sum(axis=1, keepdims=True)
  dz = dr * (z > 0)
  return dz @ W.T, x.T @ dz


class SGD:
  def __init__(self, params, lr=0.001, momentum=0.0, weight_decay=0.0, nesterov=False):
    self.lr, self.momentum, self.wd, self.nesterov = lr, momentum, weight_decay, nesterov
    self.b = [np.zeros_like(p) for p in params]

  def step(self, params, grads):
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
      g = g + self.wd * p
      if self.momentum:
        self.b[i] = self.momentum * self.b[i] + g
        g = g + self.momentum * self.b[i] if self.nesterov else self.b[i]
      out.append(p - g * self.lr)
    return out


class LAMB:
  def __init__(self, params, lr=0.001, b1=0.9, b2=0.999, eps=1e-6, weight_decay=0.0, adam=False):
    self.lr, self.b1, self.b2, self.eps, self.wd, self.adam, self.t = lr, b1, b2, eps, weight_decay, adam, 0
    self.m = [np.zeros_like(p) for p in params]
    self.v = [np.zeros_like(p) for p in params]

  def step(self, params, grads):
    self.t += 1
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
      self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * g
      self.v[i] = self.b2 * self.v[i] + (1 - self.b2) * (g * g)
      m_hat = self.m[i] / (1 - self.b1 ** self.t)
      v_hat = self.v[i] / (1 - self.b2 ** self.t)
      up = m_hat / (np.sqrt(v_hat) + self.eps) + self.wd * p
      ratio = 1.0
      if not self.adam:
        r1, r2 = np.sqrt((p * p).sum()), np.sqrt((up * up).sum())
        ratio = r1 / r2 if r1 > 0 and r2 > 0 else 1.0
      out.append(p - self.lr * ratio * up)
    return out


def adam(params, lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
  return LAMB(params, lr, b1, b2, eps, 0.0, adam=True)


def adamw(params, lr=0.001, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01):
  return LAMB(params, lr, b1, b2, eps, weight_decay, adam=True)


def trajectory(make, opts, steps, x, W, m, dtype):
  x, W, m = x.astype(dtype), W.astype(dtype), m.astype(dtype)
  opts = {k: (dtype(v) if isinstance(v, float) else v) for k, v in opts.items()}
  opt = make([x, W], **opts)
  out = []
  for _ in range(steps):
    x, W = opt.step([x, W], tinynet_grads(x, W, m))
    out.append((x.copy(), W.copy()))
  return out


CASES = [
  # name, factory, options, steps, (atol, rtol)
  ("sgd", SGD, {"lr": 0.001}, 1, (1e-6, 1e-5)),
  ("sgd_high_lr", SGD, {"lr": 10.0}, 1, (1e-5, 1e-4)),
  ("sgd_wd", SGD, {"lr": 0.001, "weight_decay": 0.1}, 1, (1e-6, 1e-5)),
  ("sgd_high_lr_wd", SGD, {"lr": 10.0, "weight_decay": 0.1}, 1, (1e-5, 1e-4)),
  ("sgd_multistep", SGD, {"lr": 0.001}, 10, (1e-6, 1e-5)),
  ("sgd_multistep_high_lr", SGD, {"lr": 10.0}, 10, (1e-4, 3e-4)),
  ("sgd_multistep_wd", SGD, {"lr": 0.001, "weight_decay": 0.1}, 10, (1e-6, 1e-5)),
  ("sgd_multistep_high_lr_wd", SGD, {"lr": 9.0, "weight_decay": 0.1}, 10, (1e-4, 3e-4)),
  ("sgd_multistep_momentum", SGD, {"lr": 0.001, "momentum": 0.9}, 10, (1e-6, 1e-5)),
  ("sgd_multistep_high_lr_momentum", SGD, {"lr": 10.0, "momentum": 0.9}, 10, (1e-4, 3e-4)),
  ("sgd_multistep_momentum_wd", SGD, {"lr": 0.001, "momentum": 0.9, "weight_decay": 0.1}, 10, (1e-6, 1e-5)),
  ("sgd_multistep_high_lr_momentum_wd", SGD, {"lr": 10.0, "momentum": 0.9, "weight_decay": 0.1}, 10, (1e-4, 3e-4)),
  ("sgd_multistep_nesterov", SGD, {"lr": 0.001, "momentum": 0.9, "nesterov": True}, 10, (1e-5, 1e-5)),
  ("sgd_multistep_high_lr_nesterov", SGD, {"lr": 10.0, "momentum": 0.9, "nesterov": True}, 10, (1e-4, 3e-4)),
  ("sgd_multistep_nesterov_wd", SGD, {"lr": 0.001, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, 10,
   (1e-5, 1e-5)),
  ("sgd_multistep_high_lr_nesterov_wd", SGD, {"lr": 9.0, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, 10,
   (1e-4, 3e-4)),
  ("adam", adam, {"lr": 0.001}, 1, (1e-5, 1e-5)),
  ("adam_high_lr", adam, {"lr": 10.0}, 1, (1e-4, 1e-4)),
  ("adam_multistep", adam, {"lr": 0.001}, 10, (1e-5, 1e-5)),
  ("adam_multistep_high_lr", adam, {"lr": 10.0}, 10, (2e-4, 5e-4)),
  ("adam_multistep_betas", adam, {"lr": 0.01, "b1": 0.8, "b2": 0.99, "eps": 1e-6}, 10, (1e-5, 1e-4)),
  ("adamw", adamw, {"lr": 0.001}, 1, (1e-5, 1e-5)),
  ("adamw_high_lr", adamw, {"lr": 10.0}, 1, (1e-4, 1e-4)),
  ("adamw_multistep", adamw, {"lr": 0.001}, 10, (1e-5, 1e-5)),
  ("adamw_multistep_high_lr", adamw, {"lr": 10.0}, 10, (5e-4, 2e-3)),
  ("adamw_multistep_wd", adamw, {"lr": 0.01, "weight_decay": 0.1}, 10, (1e-5, 1e-4)),
  ("lamb", LAMB, {"lr": 0.001}, 1, (1e-5, 1e-5)),
  ("lamb_multistep", LAMB, {"lr": 0.001}, 10, (1e-5, 1e-5)),
  ("lamb_multistep_wd", LAMB, {"lr": 0.01, "weight_decay": 0.01}, 10, (1e-5, 1e-4)),
  ("lamb_multistep_adam", LAMB, {"lr": 0.01, "adam": True}, 10, (1e-5, 1e-4)),
]


def build():
  s = Suite("optim")
  rng = s.rng("tinynet")
  x = rng.standard_normal((1, 4)).astype(np.float32).astype(np.float64)
  W = rng.standard_normal((4, 4)).astype(np.float32).astype(np.float64)
  m = rng.standard_normal((1, 4)).astype(np.float32).astype(np.float64)
  for name, make, opts, steps, (atol, rtol) in CASES:
    ref = trajectory(make, opts, steps, x, W, m, np.float64)
    low = trajectory(make, opts, steps, x, W, m, np.float32)
    for (rx, rW), (lx, lW) in zip(ref, low):
      for r, l in ((rx, lx), (rW, lW)):
        assert np.allclose(l, r, atol=atol / 4, rtol=rtol / 4), f"optim/{name}: float32 run drifts from float64"
    s.add_raw({
      "name": name,
      "options": opts,
      "inputs": [encode_tensor(x, "float32", "float32", True), encode_tensor(W, "float32", "float32", True),
                 encode_tensor(m, "float32", "float32", False)],
      "trajectory": [[encode_tensor(px)["data"], encode_tensor(pW)["data"]] for px, pW in ref],
      "tol": {"atol": atol, "rtol": rtol},
    })
  return s
