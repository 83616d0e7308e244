#!/usr/bin/env python3
"""teenygrad's GEMM and reduce kernels against numpy/OpenBLAS, measured in the same run.

    python3 tools/bench_kernels.py [--repeat 5] [--rounds 3] [--bin .build-rel/release/teeny-bench] [--skip-gemm]

How each side is timed:
  - teenygrad: through the public Tensor API. GEMMs are `a.matmul(b).realize()` on realized contiguous
    float32 inputs (`teeny-bench gemm --shape MxKxN ...`); sums are `a.sum().realize()` and
    `a.sum(axis:).realize()` (`teeny-bench scaling --ops reduce`). The binary is found as in benchlib.py;
    build it with `swift build -c release --product teeny-bench`.
  - numpy: `a @ b` with OpenBLAS's thread count set by threadpoolctl (1, then all cores), and `a.sum()`,
    `a.sum(axis=...)` (numpy's reductions are single-threaded whatever the BLAS setting).
Each figure is the median of --repeat samples (at least 5); a sample repeats a fast op until it lasts 20 ms.
GEMMs run --rounds times on both sides in turn: the table gives the median over rounds of each side, their
ratio, and the median of the per-round ratios ("paired"), which a slow minute on a shared machine moves least.

Shapes: square SGEMMs 256..2048; the MNIST linear layers at batch 128 and their backward products (a layer
with I inputs and O outputs: forward X @ W^T M=B, K=I, N=O; weights dW = dY^T @ X M=O, K=B, N=I, the
orientation autograd builds; input dX = dY @ W M=B, K=O, N=I); the
im2col products of teenygrad's TinyConvNet (conv 1->8 3x3 on 28x28, conv 8->16 3x3 on the pooled 13x13)
and of the Keras convnet (conv 1->32 3x3 on 28x28, 32->64 3x3 on 13x13) at batch 128. A stride-1 unpadded
conv with C inputs, O outputs, k x k kernel on H x W gives P = B*(H-k+1)*(W-k+1) output pixels and
  forward  Y = Xcol @ W^T : M=P, K=C*k*k, N=O
  weights  dW = dY^T @ Xcol: M=O, K=P, N=C*k*k
  input    dXcol = dY @ W  : M=P, K=O, N=C*k*k   (then col2im)
(backward products are timed on contiguous operands of those sizes; in training one operand is a
transposed view).

Also prints GFLOP/s as % of the 95 GFLOP/s per-core fp32 peak (x cores) and as % of this machine's measured
peak (x cores): the 6x16 GEMM micro-kernel alone on operands in L1 (`teeny-bench micro`), the best of several
runs spread over the benchmark, since a slow minute on a shared machine lowers every rate. It ends with a few
`objdump -d` lines of the GEMM micro-kernel object showing ymm `vfmadd231ps`.
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys

import benchlib

benchlib.clean_blas_environment()
import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

PEAK_PER_CORE = 95.0
FLOAT = 4
BATCH = 128


def conv_products(name, c, o, k, h, w):
    p = BATCH * (h - k + 1) * (w - k + 1)
    ckk = c * k * k
    return [(f"{name} fwd", p, ckk, o), (f"{name} dW", o, p, ckk), (f"{name} dX", p, o, ckk)]


def linear_products(name, i, o):
    return [(f"{name} fwd", BATCH, i, o), (f"{name} dW", o, BATCH, i), (f"{name} dX", BATCH, o, i)]


SQUARE = [(f"square {n}", n, n, n) for n in (256, 512, 1024, 2048)]
MNIST_SHAPES = (linear_products("linear 784->128", 784, 128) + linear_products("linear 400->10", 400, 10)
                + conv_products("tiny conv1 1->8 3x3@28", 1, 8, 3, 28, 28)
                + conv_products("tiny conv2 8->16 3x3@13", 8, 16, 3, 13, 13)
                + conv_products("keras conv1 1->32 3x3@28", 1, 32, 3, 28, 28)
                + conv_products("keras conv2 32->64 3x3@13", 32, 64, 3, 13, 13))


def numpy_gemm(m, k, n, threads, repeat):
    rng = np.random.default_rng(0)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    with threadpool_limits(limits=threads, user_api="blas"):
        return benchlib.median_seconds(lambda: a @ b, repeat)


PEAK_KERNEL = "f32_gemm_6x16_avx2"


def micro_kernel_gflops(binary):
    """One run of `teeny-bench micro` for the GEMM micro-kernel: its best GFLOP/s on operands in L1."""
    return float(benchlib.run_csv([binary, "micro", "--kernel", PEAK_KERNEL])[0]["gflops"])


def gemm_section(binary, shapes, threads, repeat, rounds, peaks):
    """Times `shapes` on both sides and returns a function that prints their table against a peak, so that
    every row is read against the best micro-kernel run of the whole benchmark (`peaks` collects them)."""
    cores = max(threads)
    results = []
    for name, m, k, n in shapes:
        # Each shape runs on both sides back to back, `rounds` times in turn, so that a change in machine
        # load hits both alike; each side's figure is the median over rounds of its per-round median, and
        # "paired" is the median of the per-round ratios.
        teeny = {t: [] for t in threads}
        blas = {t: [] for t in threads}
        flops = 2.0 * m * k * n
        for _ in range(rounds):
            peaks.append(micro_kernel_gflops(binary))
            rows = benchlib.run_teeny_bench(binary, ["gemm", "--threads", ",".join(map(str, threads)), "--repeat",
                                                     str(repeat), "--shape", f"{m}x{k}x{n}"])
            for r in rows:
                teeny[r["threads"]].append(r)
            for t in threads:
                blas[t].append(flops / numpy_gemm(m, k, n, t, repeat) * 1e-9)
        for t in threads:
            gflops = statistics.median(r["gflops"] for r in teeny[t])
            blas_gflops = statistics.median(blas[t])
            paired = statistics.median(r["gflops"] / b for r, b in zip(teeny[t], blas[t]))
            speedup = statistics.median(r["speedup"] for r in teeny[t])
            results.append((name, f"{m}x{k}x{n}", t, gflops, blas_gflops, paired, speedup))

    def table(peak):
        return benchlib.table(
            ["product", "MxKxN", "threads", "teeny GFLOP/s", "OpenBLAS GFLOP/s", "teeny/BLAS", "paired",
             f"% of {PEAK_PER_CORE:.0f}/core", "% of measured", "speedup"],
            [[name, shape, t, f"{gflops:.1f}", f"{blas_gflops:.1f}", benchlib.ratio(gflops, blas_gflops),
              f"{paired:.2f}x", f"{100 * gflops / (PEAK_PER_CORE * t):.0f}%", f"{100 * gflops / (peak * t):.0f}%",
              benchlib.ratio(speedup, 1) if t == cores and t > 1 else ""]
             for name, shape, t, gflops, blas_gflops, paired, speedup in results])
    return table


def reduce_section(binary, threads, repeat):
    rows = benchlib.run_teeny_bench(binary, ["scaling", "--ops", "reduce", "--threads",
                                             ",".join(map(str, threads)), "--repeat", str(repeat)])
    rng = np.random.default_rng(0)
    flat = rng.random(1 << 24, dtype=np.float32)
    square = rng.random((4096, 4096), dtype=np.float32)
    cases = [("16777216", "sum of 64 MiB", lambda: flat.sum(), flat.size + 1),
             ("4096x4096 axis=0", "4096x4096 sum(axis=0)", lambda: square.sum(axis=0), square.size + 4096),
             ("4096x4096 axis=1", "4096x4096 sum(axis=1)", lambda: square.sum(axis=1), square.size + 4096)]
    table = []
    for shape, name, fn, floats in cases:
        numpy_gbps = FLOAT * floats / benchlib.median_seconds(fn, repeat) * 1e-9
        by_threads = {r["threads"]: r for r in rows if r["shape"] == shape}
        for t in threads:
            r = by_threads[t]
            table.append([name, t, f"{r['gbps']:.2f}", f"{numpy_gbps:.2f}", benchlib.ratio(r["gbps"], numpy_gbps),
                          benchlib.ratio(r["speedup"], 1)])
    return benchlib.table(["reduction", "threads", "teeny GB/s", "numpy GB/s (1 thread)", "teeny/numpy",
                           "speedup vs 1 thread"], table)


def objdump_section(binary):
    """The micro-kernel object of the build that made `binary`, else the newest one under .build*."""
    beside = os.path.join(os.path.dirname(os.path.abspath(binary)), "Teenygrad.build", "f32_gemm_6x16_avx2.swift.o")
    objects = [beside] if os.path.exists(beside) else glob.glob(
        os.path.join(benchlib.repo_root(), ".build*", "release", "Teenygrad.build", "f32_gemm_6x16_avx2.swift.o"))
    if not objects:
        return "no f32_gemm_6x16_avx2.swift.o under .build*/release/Teenygrad.build"
    obj = max(objects, key=os.path.getmtime)
    try:
        text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", obj], check=True, stdout=subprocess.PIPE,
                              text=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        return f"objdump failed: {error}"
    fmas = [line.strip() for line in text.splitlines() if "vfmadd231ps" in line and "%ymm" in line]
    head = f"{os.path.relpath(obj, benchlib.repo_root())}: {len(fmas)} ymm vfmadd231ps, the first few:"
    return "\n".join([head] + fmas[:6])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="the teeny-bench binary")
    parser.add_argument("--repeat", type=int, default=5, help="samples per figure (at least 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="GEMM rounds, both sides in turn; figures are medians over rounds")
    parser.add_argument("--skip-gemm", action="store_true", help="only the reductions and objdump")
    parser.add_argument("--skip-reduce", action="store_true", help="only the GEMMs and objdump")
    args = parser.parse_args()
    repeat = max(5, args.repeat)
    cores = benchlib.physical_cores()
    threads = sorted({1, cores})
    binary = benchlib.find_teeny_bench(args.bin)
    print(f"# teenygrad kernels vs numpy {np.__version__} (OpenBLAS): {cores} cores, medians of {repeat}, "
          f"GEMMs over {max(1, args.rounds)} interleaved rounds\n")
    if not args.skip_gemm:
        # The measured peak is the best micro-kernel run so far, taken again before every GEMM round.
        peaks = [micro_kernel_gflops(binary)]
        square = gemm_section(binary, SQUARE, threads, repeat, max(1, args.rounds), peaks)
        mnist = gemm_section(binary, MNIST_SHAPES, threads, repeat, max(1, args.rounds), peaks)
        print(f"measured peak: {max(peaks):.1f} GFLOP/s per core ({PEAK_KERNEL} alone in L1, best of {len(peaks)} "
              f"runs of `teeny-bench micro`; all runs: {', '.join(f'{p:.1f}' for p in peaks)})\n")
        print("## square SGEMM\n")
        print(square(max(peaks)))
        print("\n## MNIST shapes at batch 128 (linear layers, im2col conv products, backward products)\n")
        print(mnist(max(peaks)))
        print()
    if not args.skip_reduce:
        print("## sums (goal: teeny/numpy >= 0.9)\n")
        print(reduce_section(binary, threads, repeat))
        print()
    print("## GEMM micro-kernel code\n")
    print(objdump_section(binary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
