#!/usr/bin/env bash
# Whether an MNIST training loop's memory stays flat: the resident size after step 100 against step 1000.
#
#   tools/memory_flat.sh [MODEL] [BATCH]      MODEL: tiny (default) or convnet; BATCH: 128 by default
#
# `teeny-bench memory` trains with the public MNISTTrainer (on the MNIST files in MNIST_DIR, defaulting to
# ../shared/datasets/mnist, else on synthetic images) and reads VmRSS and VmHWM (peak) from
# /proc/self/status after the listed steps. Goal: step 1000 within 5% of step 100. Exits 1 when it is not.
# The binary is $TEENY_BENCH, else the newest .build*/release/teeny-bench
# (`swift build -c release --product teeny-bench`).
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-tiny}
batch=${2:-128}
bin=${TEENY_BENCH:-$(ls -t .build*/release/teeny-bench 2>/dev/null | head -1)}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "no teeny-bench binary: run swift build -c release --product teeny-bench" >&2
  exit 2
fi
if [ -z "${MNIST_DIR:-}" ] && [ -d ../shared/datasets/mnist ]; then
  export MNIST_DIR="$(cd ../shared/datasets/mnist && pwd)"
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
"$bin" memory --model "$model" --batch "$batch" --at 1,10,100,500,1000 | tee "$out"
echo "($(( $(date +%s) - start )) s)"
awk -F, -v model="$model" '
  NR > 1 { rss[$1] = $2; peak[$1] = $3 }
  END {
    growth = (peak[1000] - peak[100]) / peak[100] * 100
    rssGrowth = (rss[1000] - rss[100]) / rss[100] * 100
    printf "%s: peak RSS %.1f MiB at step 100, %.1f MiB at step 1000: %+.2f%%; current RSS %+.2f%%\n",
      model, peak[100] / 1024, peak[1000] / 1024, growth, rssGrowth
    if (growth > 5 || growth < -5) { print "NOT flat (goal: within 5%)"; exit 1 }
    print "flat (within 5%)"
  }' "$out"
