#!/usr/bin/env python3
"""PyTorch CPU baseline for the `mnist` trainer: the same two models, batch and optimizer.

    python3 tools/bench_mnist_torch.py --model tiny --steps 100 --threads 2 --eval
    python3 tools/bench_mnist_torch.py --model convnet --steps 40 --threads 1

Models (batch 128, Adam lr 1e-3, random batches drawn with replacement):
  tiny     conv 3x3 1->8, relu, maxpool 2, conv 3x3 8->16, relu, maxpool 2, linear 400->10, all without
           bias, log_softmax + NLL loss, raw 0..255 pixels, weights uniform(-1, 1) / sqrt(numel).
  convnet  the Keras MNIST convnet: conv 3x3 1->32, relu, maxpool 2, conv 3x3 32->64, relu, maxpool 2,
           dropout 0.5, linear 1600->10, cross-entropy on logits, pixels / 255, PyTorch default init.

MNIST is read from the gzipped IDX files in $MNIST_DIR (default ../shared/datasets/mnist from the
repository root). Prints the median per-step rate after the warm-up steps, the overall rate, and with
--eval the test accuracy as `test accuracy: 0.XXXX`.
"""
import argparse
import gzip
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

BATCH = 128
LEARNING_RATE = 1e-3
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_idx(path, header_bytes):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8)[header_bytes:]


def load_mnist(directory):
    def images(name):
        return read_idx(os.path.join(directory, name), 16).reshape(-1, 1, 28, 28).astype(np.float32)

    def labels(name):
        return read_idx(os.path.join(directory, name), 8).astype(np.int64)

    return (images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz"),
            images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz"))


def scaled_uniform(*shape):
    """Uniform in [-1, 1) scaled by 1/sqrt(element count), the init teenygrad's TinyConvNet uses."""
    return nn.Parameter((torch.rand(*shape) * 2 - 1) * float(np.prod(shape)) ** -0.5)


class TinyConvNet(nn.Module):
    pixel_scale = 1.0

    def __init__(self):
        super().__init__()
        self.c1 = scaled_uniform(8, 1, 3, 3)
        self.c2 = scaled_uniform(16, 8, 3, 3)
        self.l1 = scaled_uniform(16 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(F.conv2d(x, self.c1)), 2)
        x = F.max_pool2d(F.relu(F.conv2d(x, self.c2)), 2)
        return F.log_softmax(x.flatten(1) @ self.l1, dim=-1)

    @staticmethod
    def loss(out, y):
        return F.nll_loss(out, y)


class KerasConvNet(nn.Module):
    pixel_scale = 1.0 / 255.0

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3)
        self.c2 = nn.Conv2d(32, 64, 3)
        self.dropout = nn.Dropout(0.5)
        self.l1 = nn.Linear(64 * 5 * 5, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.l1(self.dropout(x.flatten(1)))

    @staticmethod
    def loss(out, y):
        return F.cross_entropy(out, y)


MODELS = {"tiny": TinyConvNet, "convnet": KerasConvNet}


def train(model, optimizer, x_train, y_train, steps, rng):
    model.train()
    step_times = []
    loss = float("nan")
    for _ in range(steps):
        start = time.perf_counter()
        sample = rng.integers(0, x_train.shape[0], size=BATCH)
        x = torch.from_numpy(x_train[sample] * model.pixel_scale)
        y = torch.from_numpy(y_train[sample])
        out = model(x)
        batch_loss = model.loss(out, y)
        optimizer.zero_grad()
        batch_loss.backward()
        optimizer.step()
        loss = batch_loss.item()
        step_times.append(time.perf_counter() - start)
    return step_times, loss


@torch.no_grad()
def evaluate(model, x_test, y_test):
    model.eval()
    correct = 0
    for i in range(0, x_test.shape[0], BATCH):
        x = torch.from_numpy(x_test[i:i + BATCH] * model.pixel_scale)
        correct += (model(x).argmax(dim=-1).numpy() == y_test[i:i + BATCH]).sum()
    return correct / x_test.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=sorted(MODELS), default="tiny")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    parser.add_argument("--warmup", type=int, default=5, help="steps left out of the median rate")
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--eval", action="store_true", help="report test accuracy after training")
    args = parser.parse_args()
    if args.steps <= args.warmup:
        parser.error("--steps must exceed --warmup")

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    directory = os.environ.get("MNIST_DIR", os.path.join(REPO_ROOT, "..", "shared", "datasets", "mnist"))
    x_train, y_train, x_test, y_test = load_mnist(directory)

    model = MODELS[args.model]()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    step_times, loss = train(model, optimizer, x_train, y_train, args.steps, rng)

    median = statistics.median(step_times[args.warmup:])
    print(f"torch {torch.__version__} model {args.model} threads {args.threads} batch {BATCH} "
          f"steps {args.steps} (warm-up {args.warmup})")
    print(f"steps/s: {1 / median:.2f} median ({median * 1e3:.2f} ms/step), "
          f"{args.steps / sum(step_times):.2f} overall; final loss {loss:.4f}")
    if args.eval:
        print(f"test accuracy: {evaluate(model, x_test, y_test):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
