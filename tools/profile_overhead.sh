#!/usr/bin/env bash
# What profiling costs on MNIST training: the same run with profiling off, with --profile (CSV) and with
# --trace (Chrome trace), interleaved so that a change in machine load hits every mode alike, REPEATS times
# each. Prints, per mode, the median wall time of the whole process and the median training rate
# (the trainer's steps/s), and the overhead of each against off.
#
# usage: tools/profile_overhead.sh [STEPS] [REPEATS]
#   STEPS    training steps per run (default 100)   REPEATS  runs per mode (default 3)
#   env: MODEL (default convnet), SCRATCH (swift build scratch path, default .build),
#        MODES (default "off profile trace"), MNIST_DIR (the MNIST files)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-100}
repeats=${2:-3}
model=${MODEL:-convnet}
scratch=${SCRATCH:-.build}
modes=${MODES:-off profile trace}
if [ -z "${MNIST_DIR:-}" ] && [ -d ../shared/datasets/mnist ]; then
  export MNIST_DIR="$(cd ../shared/datasets/mnist && pwd)"
fi

swift build -c release --product mnist --scratch-path "$scratch" >/dev/null
bin="$scratch/release/mnist"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "mnist --model $model --steps $steps, $repeats runs per mode, interleaved" >&2
for run in $(seq "$repeats"); do
  for mode in $modes; do
    extra=()
    case $mode in
      profile) extra=(--profile "$work/profile.csv") ;;
      trace) extra=(--trace "$work/trace.json") ;;
    esac
    start=$(date +%s%N)
    "$bin" --model "$model" --steps "$steps" "${extra[@]}" >"$work/out" 2>"$work/err"
    end=$(date +%s%N)
    # The last progress line carries the training rate: "step N/N  loss ...  X steps/s  ETA ...".
    rate=$(grep -o '[0-9.]* steps/s' "$work/out" | tail -1 | cut -d' ' -f1)
    echo "$mode $(( (end - start) / 1000000 )) $rate" | tee -a "$work/times" >&2
  done
done

python3 - "$work/times" $modes <<'EOF'
import statistics
import sys

path, modes = sys.argv[1], sys.argv[2:]
runs = {m: [] for m in modes}
for line in open(path):
    mode, ms, rate = line.split()
    runs[mode].append((int(ms) / 1000, float(rate)))
wall = {m: statistics.median(r[0] for r in runs[m]) for m in modes}
rate = {m: statistics.median(r[1] for r in runs[m]) for m in modes}
print(f"{'mode':<8} {'wall s (median)':>16} {'steps/s (median)':>17} {'wall overhead':>14} {'rate overhead':>14}")
for m in modes:
    base = modes[0]
    print(f"{m:<8} {wall[m]:>16.2f} {rate[m]:>17.3f} {100 * (wall[m] / wall[base] - 1):>13.1f}% "
          f"{100 * (rate[base] / rate[m] - 1):>13.1f}%")
EOF
