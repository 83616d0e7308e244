"""Helpers shared by tools/bench_runtime.py and tools/bench_kernels.py: finding and running teeny-bench,
timing numpy with medians, and printing tables.

numpy is imported by the scripts after `clean_blas_environment()`, so OpenBLAS sizes itself for this
machine rather than from the OPENBLAS_* overrides a build environment may set.
"""
import csv
import glob
import io
import os
import statistics
import subprocess
import sys
import time

MIN_SAMPLE_S = 0.02


def log(message):
    print(message, file=sys.stderr, flush=True)


def clean_blas_environment():
    """Drops OpenBLAS overrides for this process only; call before importing numpy."""
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(name, None)


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_teeny_bench(explicit=None):
    """The teeny-bench release binary: `explicit`, $TEENY_BENCH, or the newest .build*/release/teeny-bench."""
    path = explicit or os.environ.get("TEENY_BENCH")
    if path:
        return path
    candidates = glob.glob(os.path.join(repo_root(), ".build*", "release", "teeny-bench"))
    if not candidates:
        sys.exit("no teeny-bench binary: run `swift build -c release --product teeny-bench` "
                 "(or pass --bin / set TEENY_BENCH)")
    return max(candidates, key=os.path.getmtime)


def physical_cores():
    """Physical cores (what teeny-bench uses by default), from sysfs; os.cpu_count() as a fallback."""
    cores = set()
    for path in glob.glob("/sys/devices/system/cpu/cpu[0-9]*/topology/core_cpus_list"):
        with open(path) as f:
            cores.add(f.read().strip())
    return len(cores) or os.cpu_count() or 1


def run_csv(command):
    """Runs `command` (logged) and returns the CSV it prints as dicts of strings."""
    log("$ " + " ".join(command))
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def run_teeny_bench(binary, args):
    """Runs `teeny-bench ARGS --csv -` and returns its rows as dicts with numbers converted."""
    rows = []
    for row in run_csv([binary] + args + ["--csv", "-"]):
        for key in ("threads",):
            row[key] = int(row[key])
        for key in ("median_s", "min_s", "max_s", "gflops", "gbps", "speedup", "efficiency"):
            row[key] = float(row[key])
        rows.append(row)
    return rows


def median_seconds(fn, repeat):
    """The median over `repeat` samples of one call's duration; each sample repeats `fn` until it lasts
    MIN_SAMPLE_S and divides by the calls, after one untimed warm-up call."""
    fn()
    start = time.perf_counter()
    fn()
    first = time.perf_counter() - start
    calls = 1 if first >= MIN_SAMPLE_S else min(1000, int(MIN_SAMPLE_S / max(first, 1e-7)) + 1)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def table(header, rows):
    """An aligned text table; numbers are printed as given (format them first)."""
    lines = [header] + [[str(c) for c in r] for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for line in lines:
        out.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths))))
    return "\n".join(out)


def ratio(a, b):
    return f"{a / b:.2f}x" if b else "-"
