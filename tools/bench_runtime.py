#!/usr/bin/env python3
"""The runtime's fixed cost and streaming speed, with numpy measured in the same run.

    python3 tools/bench_runtime.py [--repeat 7] [--bin .build-rel/release/teeny-bench]

teenygrad's figures come from `teeny-bench runtime --csv -` (the binary is found as in benchlib.py; build it
with `swift build -c release --product teeny-bench`):
  - fork-join latency of the worker pool on all cores, as the median of per-batch medians: `all` is a loop
    in which every worker must run one (empty) index, `empty` a loop of empty indices that the caller may
    finish alone. Goal: under 2 us.
  - `a + b` and the fused `((a * b) + c).relu()` on 16M floats, realized through the Tensor API, at 1
    thread and at all cores, in GB/s (bytes: every operand and the output once), and the speedup of all
    cores over 1 thread.
numpy runs the same two ops (`a + b` allocating its result, `np.add(a, b, out=c)` into a preallocated one,
and `np.maximum(a * b + c, 0)`); its elementwise loops are single-threaded whatever the BLAS thread count,
so it has one figure each. Every figure is a median of --repeat samples (at least 5).
"""
import argparse
import sys

import benchlib

benchlib.clean_blas_environment()
import numpy as np  # noqa: E402

FLOAT = 4


def numpy_rows(count, repeat):
    rng = np.random.default_rng(0)
    a, b, c = (rng.random(count, dtype=np.float32) for _ in range(3))
    out = np.empty_like(a)
    runs = {
        "add": [("a + b", lambda: a + b), ("np.add(out=)", lambda: np.add(a, b, out=out))],
        "elementwise": [("np.maximum(a*b+c, 0)", lambda: np.maximum(a * b + c, 0))],
    }
    bytes_per_run = {"add": 3 * FLOAT * count, "elementwise": 4 * FLOAT * count}
    rows = {}
    for op, variants in runs.items():
        for name, fn in variants:
            seconds = benchlib.median_seconds(fn, repeat)
            rows.setdefault(op, []).append((name, seconds, bytes_per_run[op] / seconds * 1e-9))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", help="the teeny-bench binary")
    parser.add_argument("--repeat", type=int, default=7, help="samples per figure (at least 5)")
    parser.add_argument("--count", type=int, default=1 << 24, help="floats per elementwise operand")
    args = parser.parse_args()
    repeat = max(5, args.repeat)
    cores = benchlib.physical_cores()
    binary = benchlib.find_teeny_bench(args.bin)
    threads = sorted({1, cores})
    rows = benchlib.run_teeny_bench(binary, ["runtime", "--threads", ",".join(map(str, threads)),
                                             "--repeat", str(repeat), "--count", str(args.count)])
    numpy = numpy_rows(args.count, repeat)

    print(f"# teenygrad runtime vs numpy {np.__version__}: {cores} cores, medians of {repeat} samples\n")
    print("## fork-join latency (goal < 2 us on all cores)\n")
    fj = [r for r in rows if r["op"].startswith("fork-join")]
    print(benchlib.table(["probe", "threads", "median us", "min us", "max us", "goal"],
                         [[r["op"], r["threads"], f"{r['median_s'] * 1e6:.2f}", f"{r['min_s'] * 1e6:.2f}",
                           f"{r['max_s'] * 1e6:.2f}",
                           ("met" if r["median_s"] < 2e-6 else "MISSED") if r["threads"] == cores else ""]
                          for r in fj]))
    print()
    for op, title in (("add", "a + b"), ("elementwise", "((a * b) + c).relu()")):
        print(f"## {title} on {args.count} floats (GB/s)\n")
        by_threads = {r["threads"]: r for r in rows if r["op"] == op}
        one = by_threads.get(1)
        table = []
        for t in threads:
            r = by_threads[t]
            table.append([f"teenygrad {t} thread{'s' if t > 1 else ''}", f"{r['median_s'] * 1e3:.2f}",
                          f"{r['gbps']:.2f}", benchlib.ratio(one["median_s"], r["median_s"]) if one else "-"])
        for name, seconds, gbps in numpy[op]:
            table.append([f"numpy {name} (1 thread)", f"{seconds * 1e3:.2f}", f"{gbps:.2f}", ""])
        print(benchlib.table(["run", "median ms", "GB/s", "speedup vs 1 thread"], table))
        best_numpy = max(g for _, _, g in numpy[op])
        for t in threads:
            print(f"teenygrad {t}T / best numpy: {benchlib.ratio(by_threads[t]['gbps'], best_numpy)}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
