#!/usr/bin/env bash
# MNIST training speed side by side with PyTorch CPU (tools/bench_mnist_torch.py: same models, batch 128,
# Adam): for each model and thread count, `mnist --steps STEPS` and the PyTorch script run in turn, REPEATS
# times, interleaved so that a change in machine load hits both alike. Prints the median training rate of
# each (steps over the whole training loop, first step included, for both), the ratio of the medians and the
# median of the per-pair ratios.
#
# usage: tools/bench_mnist.sh [STEPS] [REPEATS]
#   env: MODELS (default "tiny convnet"), THREADS (default "1 <all cores>"), SCRATCH (build path, default
#        .build), MNIST_DIR (the MNIST files; default ../shared/datasets/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-60}
repeats=${2:-3}
models=${MODELS:-tiny convnet}
threads=${THREADS:-1 $(nproc)}
scratch=${SCRATCH:-.build}
if [ -z "${MNIST_DIR:-}" ] && [ -d ../shared/datasets/mnist ]; then
  export MNIST_DIR="$(cd ../shared/datasets/mnist && pwd)"
fi

swift build -c release --product mnist --scratch-path "$scratch" >/dev/null
bin="$scratch/release/mnist"
results=$(mktemp)
trap 'rm -f "$results"' EXIT
uptime >&2

for run in $(seq "$repeats"); do
  for model in $models; do
    for t in $threads; do
      ours=$("$bin" --model "$model" --steps "$steps" --threads "$t" | tr '\r' '\n' \
        | sed -n 's/.* \([0-9.]*\) steps\/s .*/\1/p' | tail -1)
      torch=$(python3 tools/bench_mnist_torch.py --model "$model" --steps "$steps" --threads "$t" --warmup 1 \
        | sed -n 's/.*, \([0-9.]*\) overall.*/\1/p')
      echo "$model $t $ours $torch" | tee -a "$results" >&2
    done
  done
done
uptime >&2

python3 - "$results" "$steps" "$repeats" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
print(f"MNIST training, batch 128, {sys.argv[2]} steps, median of {sys.argv[3]} runs (steps/s)")
# "paired" is the median of each run's own ratio: the two runs of a pair follow each other, so it is the
# steadier figure when the machine's speed changes between pairs.
print(f"{'model':<8} {'threads':>7} {'teenygrad':>10} {'pytorch':>8} {'ratio':>6} {'paired':>7}")
for key in dict.fromkeys((r[0], r[1]) for r in rows):
    pairs = [(float(r[2]), float(r[3])) for r in rows if (r[0], r[1]) == key]
    ours = statistics.median(p[0] for p in pairs)
    torch = statistics.median(p[1] for p in pairs)
    paired = statistics.median(p[0] / p[1] for p in pairs)
    print(f"{key[0]:<8} {key[1]:>7} {ours:>10.2f} {torch:>8.2f} {ours / torch:>6.2f} {paired:>7.2f}")
EOF
