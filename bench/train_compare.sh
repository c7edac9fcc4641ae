#!/usr/bin/env bash
# Training throughput of gossip's MLP step against PyTorch's, batch sizes x threads, one
# table of medians. The two take turns, and swap who goes first every round, so a noisy
# moment of the machine (other processes, frequency changes) lands on both rather than
# on one. Each cell is the median of every timed repetition of every round.
#
# Environment (defaults in brackets):
#   GOSSIP   the gossip binary [build/gossip]
#   PYTHON   a python3 that imports torch [the first of python3, /usr/bin/python3 that does]
#   BATCHES  [32 64 128 256]    THREADS [1 2]    ROUNDS [3]
#   REPS     timed repetitions per run [5]      SECONDS_PER_REP [0.3]
# Example: GOSSIP=build-release/gossip ROUNDS=5 bench/train_compare.sh
#
# Debian's python3-torch takes its matrix products from the system BLAS (libblas.so.3):
# with only the reference BLAS installed PyTorch is about 10x slower, so install an
# optimised one (apt-get install libopenblas0-openmp) for a fair comparison. The header
# says which BLAS was in use, and for OpenBLAS which kernels: it may pick AVX2 ones on a
# CPU with AVX-512 (OPENBLAS_CORETYPE=SkylakeX in the environment forces those).
set -euo pipefail

gossip=${GOSSIP:-build/gossip}
batches=${BATCHES:-32 64 128 256}
thread_counts=${THREADS:-1 2}
rounds=${ROUNDS:-3}
reps=${REPS:-5}
seconds=${SECONDS_PER_REP:-0.3}
here=$(cd "$(dirname "$0")" && pwd)

find_torch() {
  for candidate in python3 /usr/bin/python3; do
    if "$candidate" -c 'import torch' 2>/dev/null; then python=$candidate; return; fi
  done
}
python=${PYTHON:-}
if [[ -z $python ]]; then find_torch; fi
if [[ -z $python ]] && command -v apt-get >/dev/null; then
  # The reference: Debian's PyTorch, on OpenBLAS rather than the reference BLAS.
  echo "train_compare.sh: installing python3-torch and libopenblas0-openmp" >&2
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-torch libopenblas0-openmp >/dev/null
  find_torch
fi
if [[ -z $python ]]; then
  echo "train_compare.sh: no python3 here imports torch; apt-get install python3-torch, or set PYTHON" >&2
  exit 1
fi
if [[ ! -x $gossip ]]; then
  echo "train_compare.sh: no gossip binary at '$gossip'; build it or set GOSSIP" >&2
  exit 1
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

for threads in $thread_counts; do
  for batch in $batches; do
    for round in $(seq "$rounds"); do
      echo "batch $batch, $threads thread(s): round $round of $rounds" >&2
      common=(--batch "$batch" --threads "$threads" --seconds "$seconds" --repetitions "$reps" --json)
      run_gossip() { "$gossip" bench train "${common[@]}" >"$results/gossip-$batch-$threads-$round.json"; }
      run_pytorch() {
        "$python" "$here/train_reference.py" "${common[@]}" >"$results/pytorch-$batch-$threads-$round.json"
      }
      if (( round % 2 )); then run_gossip; run_pytorch; else run_pytorch; run_gossip; fi
    done
  done
done

"$python" - "$results" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'EOF'
import glob, json, os, platform, sys
import torch

results, load_before, load_after = sys.argv[1:4]
runs = {}
for path in glob.glob(os.path.join(results, "*.json")):
    with open(path) as f:
        report = json.load(f)
    key = (report["threads"], report["batch"], report["implementation"])
    runs.setdefault(key, []).append(report)

def median(values):
    values = sorted(values)
    return values[len(values) // 2]

cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
           platform.processor())
blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
try:  # OpenBLAS picks its kernels per CPU (OPENBLAS_CORETYPE overrides): say which
    import ctypes
    corename = ctypes.CDLL(blas).openblas_get_corename
    corename.restype = ctypes.c_char_p
    blas += f" ({corename().decode()} kernels)"
except (OSError, AttributeError):
    pass
simd = next(iter(r[0]["simd"] for k, r in runs.items() if k[2] == "gossip"))
print(f"MLP 784-256-128-10 training step (forward, backward, SGD momentum 0.9), samples/s, median of every repetition")
print(f"CPU: {cpu}, {os.cpu_count()} cores; load average before {load_before}, after {load_after}")
print(f"gossip: Eigen with {simd}; PyTorch {torch.__version__}, BLAS {blas}")
print(f"{'batch':>5} {'threads':>7} {'gossip':>12} {'pytorch':>12} {'gossip/pytorch':>15}")
for threads, batch in sorted({(k[0], k[1]) for k in runs}):
    rates = {name: median([x for r in runs.get((threads, batch, name), []) for x in r["samples_per_second"]])
             for name in ("gossip", "pytorch")}
    print(f"{batch:>5} {threads:>7} {rates['gossip']:>12.0f} {rates['pytorch']:>12.0f} "
          f"{rates['gossip'] / rates['pytorch']:>15.2f}")
EOF
