#!/usr/bin/env python3
"""tinygrad CPU baseline for `mnist --model tiny`: teenygrad's TinyConvNet trained with tinygrad itself.

    pip install tinygrad
    python3 tools/bench_mnist_tinygrad.py --steps 100

The model is the `tiny` one of tools/bench_mnist_torch.py (conv 3x3 1->8, relu, maxpool 2, conv 3x3 8->16,
relu, maxpool 2, linear 400->10, no biases, raw 0..255 pixels), batch 128, Adam lr 1e-3, random batches
drawn with replacement. The step runs under TinyJit, as tinygrad's own MNIST example does; the warm-up steps
(which compile the kernels) are not timed. Prints the training rate in steps per second.
"""
import argparse
import gzip
import os
import time

import numpy as np
from tinygrad import Context, Device, Tensor, TinyJit, nn
from tinygrad.nn.optim import Adam
from tinygrad.nn.state import get_parameters


class TinyConvNet:
  def __init__(self):
    self.c1 = nn.Conv2d(1, 8, 3, bias=False)
    self.c2 = nn.Conv2d(8, 16, 3, bias=False)
    self.l1 = nn.Linear(16 * 5 * 5, 10, bias=False)

  def __call__(self, x):
    x = self.c1(x).relu().max_pool2d()
    x = self.c2(x).relu().max_pool2d()
    return self.l1(x.flatten(1))


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--steps", type=int, default=100)
  parser.add_argument("--warmup", type=int, default=5)
  parser.add_argument("--data", default=os.environ.get("MNIST_DIR", "../shared/datasets/mnist"))
  args = parser.parse_args()
  images = np.frombuffer(gzip.open(f"{args.data}/train-images-idx3-ubyte.gz").read(), np.uint8, offset=16)
  images = images.reshape(-1, 1, 28, 28).astype(np.float32)
  labels = np.frombuffer(gzip.open(f"{args.data}/train-labels-idx1-ubyte.gz").read(), np.uint8, offset=8)
  labels = labels.astype(np.int32)

  model = TinyConvNet()
  optimizer = Adam(get_parameters(model), lr=1e-3)
  rng = np.random.default_rng(1337)

  @TinyJit
  def train_step(x, y):
    with Context(TRAINING=1):
      optimizer.zero_grad()
      loss = model(x).sparse_categorical_crossentropy(y)
      loss.backward()
      optimizer.step()
    return loss.realize()

  def step():
    idx = rng.integers(0, len(images), 128)
    return train_step(Tensor(images[idx]), Tensor(labels[idx])).item()

  for _ in range(args.warmup):
    step()
  start = time.perf_counter()
  for _ in range(args.steps):
    loss = step()
  elapsed = time.perf_counter() - start
  print(f"tinygrad {Device.DEFAULT} tiny: {args.steps} steps, {args.steps / elapsed:.2f} steps/s, last loss {loss:.4f}")


if __name__ == "__main__":
  main()
