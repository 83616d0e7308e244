#!/usr/bin/env python3
"""Anchor rows for `teeny-bench scaling`: the same ops in numpy (OpenBLAS) or PyTorch CPU.

Writes the CSV columns teeny-bench writes (op,shape,threads,median_s,min_s,max_s,gflops,gbps,speedup,
efficiency), with op names prefixed `numpy:` or `torch:` and the same shape strings, FLOP and byte
counts, warm-up and sampling, so `teeny-bench scaling --anchor FILE --plot out.svg` draws them beside
teenygrad's rows.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 tools/bench_anchors.py --lib numpy --csv numpy.csv
    python3 tools/bench_anchors.py --lib torch --threads 1,2 --csv torch.csv

numpy's thread count is set with threadpoolctl (it reaches BLAS only: numpy's own loops and reductions
run on one thread); PyTorch's with torch.set_num_threads. numpy has no convnet training step.
"""
import argparse
import os
import statistics
import sys
import time

GROUPS = ["gemm", "conv", "reduce", "elementwise", "mnist-step"]
MIN_SAMPLE_S = 0.02
FLOAT = 4
# The two convolutions of the Keras MNIST convnet at batch 128: (batch, in, out, kernel, height, width).
CONVS = [(128, 1, 32, 3, 28, 28), (128, 32, 64, 3, 13, 13)]


def log(message):
    print(message, file=sys.stderr, flush=True)


def conv_sizes(conv):
    b, c, o, k, h, w = conv
    oh, ow = h - k + 1, w - k + 1
    x, wt, out = b * c * h * w, o * c * k * k, b * o * oh * ow
    shape = f"x:{b}x{c}x{h}x{w} w:{o}x{c}x{k}x{k}"
    return shape, x, wt, out, 2.0 * out * c * k * k


class Workload:
    """One op: its CSV name and shape, the work of one run, and a set_up() returning (prepare, run)."""

    def __init__(self, op, shape, flops, nbytes, set_up):
        self.op, self.shape, self.flops, self.bytes, self.set_up = op, shape, flops, nbytes, set_up


def workloads(lib, backend, groups):
    found = []
    for group in groups:
        if group == "gemm":
            for n in (256, 512, 1024):
                found.append(Workload("gemm", f"{n}x{n}x{n}", 2.0 * n ** 3, FLOAT * 3 * n * n,
                                      lambda n=n: backend.gemm(n, n, n)))
        elif group == "conv":
            for conv in CONVS:
                shape, x, wt, out, flops = conv_sizes(conv)
                found.append(Workload("conv2d-forward", shape, flops, FLOAT * (x + wt + out),
                                      lambda conv=conv: backend.conv_forward(conv)))
                found.append(Workload("conv2d-backward", shape, 2 * flops, FLOAT * (2 * (x + wt) + out),
                                      lambda conv=conv: backend.conv_backward(conv)))
        elif group == "reduce":
            n = 1 << 24
            found.append(Workload("reduce-sum", str(n), n, FLOAT * (n + 1), lambda: backend.sum((n,), None)))
            for axis in (0, 1):
                found.append(Workload("reduce-sum", f"4096x4096 axis={axis}", 4096.0 * 4096,
                                      FLOAT * (4096 * 4096 + 4096),
                                      lambda axis=axis: backend.sum((4096, 4096), axis)))
        elif group == "elementwise":
            n = 1 << 24
            found.append(Workload("elementwise", f"relu(a*b+c) {n}", 3.0 * n, 4 * FLOAT * n,
                                  lambda: backend.elementwise(n)))
        elif group == "mnist-step":
            if lib == "numpy":
                log("numpy: no mnist-step (numpy has no autograd); skipped")
                continue
            batch = 128
            c1, c2 = conv_sizes(CONVS[0])[4], conv_sizes(CONVS[1])[4]
            linear = 2.0 * batch * 1600 * 10
            found.append(Workload("mnist-step", f"convnet batch={batch}", 2 * c1 + 3 * c2 + 3 * linear, 0,
                                  lambda: backend.convnet_step(batch)))
    return found


def nothing():
    pass


class NumpyOps:
    def __init__(self):
        import numpy as np
        from numpy.lib.stride_tricks import sliding_window_view
        from threadpoolctl import threadpool_info, threadpool_limits
        self.np, self.windows, self.limits = np, sliding_window_view, threadpool_limits
        self.rng = np.random.default_rng(0)
        self.np.ones((8, 8), np.float32) @ self.np.ones((8, 8), np.float32)
        for pool in threadpool_info():
            log(f"numpy {np.__version__}: {pool.get('internal_api')} {pool.get('version')} "
                f"kernel={pool.get('architecture')} max_threads={pool.get('num_threads')}")

    def set_threads(self, n):
        self.limits(limits=n, user_api="blas")

    def rand(self, *shape):
        return self.rng.random(shape, dtype=self.np.float32)

    def gemm(self, m, k, n):
        a, b = self.rand(m, k), self.rand(k, n)
        return nothing, lambda: a @ b

    def sum(self, shape, axis):
        a = self.rand(*shape)
        return nothing, lambda: a.sum(axis=axis)

    def elementwise(self, n):
        a, b, c = self.rand(n), self.rand(n), self.rand(n)
        return nothing, lambda: self.np.maximum(a * b + c, 0)

    def conv_forward(self, conv):
        _, c, o, k, h, w = conv
        x, wt, bias = self.rand(conv[0], c, h, w), self.rand(o, c, k, k), self.rand(o)

        def run():
            # im2col through a windowed view; tensordot copies it and calls BLAS.
            win = self.windows(x, (k, k), axis=(2, 3))
            out = self.np.tensordot(win, wt, axes=([1, 4, 5], [1, 2, 3]))
            return out.transpose(0, 3, 1, 2) + bias[None, :, None, None]
        return nothing, run

    def conv_backward(self, conv):
        b, c, o, k, h, w = conv
        x, wt = self.rand(b, c, h, w), self.rand(o, c, k, k)
        upstream = self.rand(b, o, h - k + 1, w - k + 1)
        flipped = self.np.ascontiguousarray(wt[:, :, ::-1, ::-1])

        def run():
            dw = self.np.tensordot(upstream, self.windows(x, (k, k), axis=(2, 3)), axes=([0, 2, 3], [0, 2, 3]))
            padded = self.np.pad(upstream, ((0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)))
            dx = self.np.tensordot(self.windows(padded, (k, k), axis=(2, 3)), flipped, axes=([1, 4, 5], [0, 2, 3]))
            return dw, dx.transpose(0, 3, 1, 2)
        return nothing, run


class TorchOps:
    def __init__(self):
        import torch
        self.torch = torch
        torch.manual_seed(0)
        log(f"torch {torch.__version__}: {torch.get_num_threads()} intra-op threads by default, "
            f"MKL {'on' if torch.backends.mkl.is_available() else 'off'}, "
            f"oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}")

    def set_threads(self, n):
        self.torch.set_num_threads(n)

    def rand(self, *shape, grad=False):
        return self.torch.rand(*shape, dtype=self.torch.float32, requires_grad=grad)

    def gemm(self, m, k, n):
        a, b = self.rand(m, k), self.rand(k, n)
        return nothing, lambda: self.torch.mm(a, b)

    def sum(self, shape, axis):
        a = self.rand(*shape)
        return nothing, (lambda: a.sum()) if axis is None else (lambda: a.sum(dim=axis))

    def elementwise(self, n):
        a, b, c = self.rand(n), self.rand(n), self.rand(n)
        return nothing, lambda: self.torch.relu(a * b + c)

    def conv_forward(self, conv):
        _, c, o, k, h, w = conv
        x, wt, bias = self.rand(conv[0], c, h, w), self.rand(o, c, k, k), self.rand(o)
        with self.torch.no_grad():
            return nothing, lambda: self.torch.nn.functional.conv2d(x, wt, bias)

    def conv_backward(self, conv):
        b, c, o, k, h, w = conv
        x, wt = self.rand(b, c, h, w, grad=True), self.rand(o, c, k, k, grad=True)
        upstream = self.rand(b, o, h - k + 1, w - k + 1)
        state = {}

        def prepare():
            state["out"] = self.torch.nn.functional.conv2d(x, wt)

        def run():
            return self.torch.autograd.grad(state["out"], [x, wt], upstream)
        return prepare, run

    def convnet_step(self, batch):
        torch, nn = self.torch, self.torch.nn
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
        model.train()
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
        images = torch.randint(0, 256, (4 * batch, 1, 28, 28), dtype=torch.uint8)
        labels = torch.randint(0, 10, (4 * batch,))

        def run():
            pick = torch.randint(0, 4 * batch, (batch,))
            x, y = images[pick].float() / 255, labels[pick]
            scores = model(x)
            loss = nn.functional.cross_entropy(scores, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.item(), (scores.argmax(dim=1) == y).float().mean().item()
        return nothing, run


def time_once(prepare, run):
    prepare()
    start = time.perf_counter_ns()
    run()
    return (time.perf_counter_ns() - start) * 1e-9


def runs_per_sample(prepare, run, first):
    """Runs a sample needs to last MIN_SAMPLE_S, timing one more run when the first was short."""
    if first >= MIN_SAMPLE_S:
        return 1
    return int(min(1000, -(-MIN_SAMPLE_S // max(time_once(prepare, run), 1e-7))))


def measure(backend, prepare, run, threads, repeat):
    """Per-run seconds at each thread count; the counts take turns, one sample each per round, so a
    change in the machine's load shifts them alike."""
    runs, seconds = {}, {n: [] for n in threads}
    for round_index in range(repeat):
        for n in threads:
            backend.set_threads(n)
            if round_index == 0 or len(threads) > 1:
                warm_up = time_once(prepare, run)
                if n not in runs:
                    runs[n] = runs_per_sample(prepare, run, warm_up)
            seconds[n].append(sum(time_once(prepare, run) for _ in range(runs[n])) / runs[n])
    return seconds


def default_threads():
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    counts, n = [], 1
    while n < cores:
        counts.append(n)
        n *= 2
    return counts + [cores]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lib", choices=["numpy", "torch"], required=True)
    parser.add_argument("--ops", default=",".join(GROUPS), help="comma-separated: " + ",".join(GROUPS))
    parser.add_argument("--threads", help="comma-separated thread counts (default: 1, 2, 4, ... the cores)")
    parser.add_argument("--repeat", type=int, default=5, help="timed samples per op and thread count")
    parser.add_argument("--csv", default="-", help="output file, - for standard output")
    args = parser.parse_args()
    groups = [g.strip() for g in args.ops.split(",") if g.strip()]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown ops {unknown}; known: {GROUPS}")
    threads = sorted({1} | {int(t) for t in args.threads.split(",")}) if args.threads else default_threads()
    if args.repeat < 1 or threads[0] < 1:
        parser.error("--repeat and --threads must be positive")

    backend = NumpyOps() if args.lib == "numpy" else TorchOps()
    rows = []
    for workload in workloads(args.lib, backend, groups):
        prepare, run = workload.set_up()
        seconds = measure(backend, prepare, run, threads, args.repeat)
        baseline = statistics.median(seconds[threads[0]])
        for n in threads:
            times = sorted(seconds[n])
            median = statistics.median(times)
            speedup = baseline / median
            row = [f"{args.lib}:{workload.op}", workload.shape, str(n), f"{median:.6g}", f"{times[0]:.6g}",
                   f"{times[-1]:.6g}", f"{workload.flops / median * 1e-9:.3f}",
                   f"{workload.bytes / median * 1e-9:.3f}", f"{speedup:.3f}", f"{speedup / n:.3f}"]
            log(" ".join(row))
            rows.append(",".join(row))
    text = "op,shape,threads,median_s,min_s,max_s,gflops,gbps,speedup,efficiency\n" + "".join(
        r + "\n" for r in rows)
    if args.csv == "-":
        sys.stdout.write(text)
    else:
        with open(args.csv, "w") as out:
            out.write(text)
        log(f"wrote {args.csv}")


if __name__ == "__main__":
    main()
