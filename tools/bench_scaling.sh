#!/usr/bin/env bash
# Runs the scaling benchmarks: numpy and PyTorch anchors, then teeny-bench, and draws them in one plot.
#
#   tools/bench_scaling.sh [--threads 1,2] [--repeat R] [--ops gemm,conv,...] [--out DIR] [--scratch-path P]
#
# Writes DIR/numpy.csv, DIR/torch.csv, DIR/teenygrad.csv and DIR/scaling.svg (DIR defaults to out/scaling).
# The machine should be otherwise idle: the load average is printed first and saved in DIR/load.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

threads="" repeat=5 ops="gemm,conv,reduce,elementwise,mnist-step" out=out/scaling scratch=.build
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --ops) ops="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --scratch-path) scratch="$2"; shift 2 ;;
    *) echo "usage: $0 [--threads 1,2] [--repeat R] [--ops LIST] [--out DIR] [--scratch-path P]" >&2; exit 2 ;;
  esac
done

swift build -c release --product teeny-bench --scratch-path "$scratch"
bench="$scratch/release/teeny-bench"
mkdir -p "$out"
thread_args=()
[ -n "$threads" ] && thread_args=(--threads "$threads")
uptime | tee "$out/load.txt"

# Current numpy is slowed by the OpenBLAS overrides some machines set for older builds: unset them here only.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
  python3 tools/bench_anchors.py --lib numpy --ops "$ops" --repeat "$repeat" "${thread_args[@]}" --csv "$out/numpy.csv"
python3 tools/bench_anchors.py --lib torch --ops "$ops" --repeat "$repeat" "${thread_args[@]}" --csv "$out/torch.csv"
"$bench" scaling --ops "$ops" --repeat "$repeat" "${thread_args[@]}" --csv "$out/teenygrad.csv" \
  --anchor "$out/numpy.csv" --anchor "$out/torch.csv" --plot "$out/scaling.svg"
uptime | tee -a "$out/load.txt"
echo "plot: $out/scaling.svg"
