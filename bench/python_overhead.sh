#!/usr/bin/env bash
# The Python path's cost per gossip round against the C++ peer's, side by side in one run:
# a 4-peer ring mixes a buffer of the shipped MLP's size (784-256-128-10: 235146 floats) for
# ROUNDS rounds, once with every peer the C++ ScriptPeer (tests/python/buffer_peer.cc) and
# once with every peer gossip.Peer from Python (tests/python/buffer_peer.py), the same rule
# and transport. Prints the median time per round over peers and rounds, for REPEATS runs of
# each, interleaved. Needs the build's tests (build/tests/buffer_peer) and python3-numpy.
#   bench/python_overhead.sh [ROUNDS] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-300}
repeats=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOSSIP_NO_STEPS=1 PYTHONPATH="$PWD/build/python"

run() {  # run KIND INDEX: prints the median seconds per round
  local dir="$work/$1-$2"
  mkdir -p "$dir"
  /usr/bin/python3 -c "
import numpy as np, sys
for p in range(4):
    np.random.default_rng(p).standard_normal(235146).astype(np.float32).tofile('$dir/input-%d.f32' % p)
    np.zeros(235146, np.float32).tofile('$dir/target-%d.f32' % p)"
  local program=(build/tests/buffer_peer)
  [ "$1" = python ] && program=(/usr/bin/python3 tests/python/buffer_peer.py)
  build/gossip launch --graph ring --peers 4 --rounds "$rounds" --set eval_every=0 --run-dir "$dir" \
    -- "${program[@]}" >/dev/null 2>&1
  /usr/bin/python3 -c "
import json, statistics
gaps = []
for p in range(4):
    t = [json.loads(l)['elapsed_seconds'] for l in open('$dir/peer-%d/metrics.jsonl' % p)]
    gaps += [b - a for a, b in zip(t[10:], t[11:])]  # past the first rounds' linking
print(statistics.median(gaps))"
}

cpp=() python=()
for i in $(seq "$repeats"); do
  cpp+=("$(run cpp "$i")")
  python+=("$(run python "$i")")
done
/usr/bin/python3 - "${cpp[*]}" "${python[*]}" <<'PY'
import statistics, sys
cpp = [float(x) for x in sys.argv[1].split()]
python = [float(x) for x in sys.argv[2].split()]
c, p = statistics.median(cpp), statistics.median(python)
print("path     ms/round (median of runs)   runs")
print("C++      %8.3f                    %s" % (c * 1e3, " ".join("%.3f" % (x * 1e3) for x in cpp)))
print("Python   %8.3f                    %s" % (p * 1e3, " ".join("%.3f" % (x * 1e3) for x in python)))
print("overhead of the Python path: %+.1f%% of the C++ round" % (100 * (p - c) / c))
PY
