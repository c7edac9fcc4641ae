#!/usr/bin/env bash
# Side-by-side: one training job on the ring, torus, static exponential and complete graphs
# of 8 peers, and on one process with all the data, at the same gradient budget (the one
# process takes batches 8x as large, so every round consumes the same samples). Each run is
# a real `gossip launch`: 8 processes over encrypted loopback TCP. Prints a table of the
# average model's test accuracy, the spread across peers, the consensus error, traffic and
# wall time. Usage: bench/topology_table.sh [iid|dirichlet] [extra gossip launch flags...]
# e.g.  bench/topology_table.sh iid --rounds 600
set -euo pipefail
cd "$(dirname "$0")/.."
gossip=${GOSSIP:-build/gossip}
partition=${1:-iid}
shift || true
out=${GOSSIP_TABLE_DIR:-runs/topology-table-$partition-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
peers=8 batch=32
common=(--task mlp --hidden 256,128,100 --partition "$partition" --alpha 0.5 --rounds 1000 --local-steps 2
        --lr 0.05 --schedule cosine --warmup-rounds 20 --momentum 0.9 --eval-every 250)

port=31000
run() {  # name, topo arguments..., then -- and extra launch flags
  local name=$1; shift
  local topo=() launch=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do topo+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  launch=("$@")
  "$gossip" topo "${topo[@]}" --base-port $port -o "$out/$name.json" >/dev/null
  port=$((port + 100))
  echo "== $name" >&2
  "$gossip" launch "$out/$name.json" --run-dir "$out/$name" "${common[@]}" "${launch[@]}" >/dev/null 2>"$out/$name.log" ||
    { echo "$name failed; see $out/$name.log" >&2; tail -5 "$out/$name.log" >&2; exit 1; }
}
extra=("$@")
run ring ring --peers $peers -- --batch-size $batch "${extra[@]}"
run torus torus --rows 2 --cols 4 -- --batch-size $batch "${extra[@]}"
run exponential exponential --peers $peers -- --batch-size $batch "${extra[@]}"
run complete complete --peers $peers -- --batch-size $batch "${extra[@]}"
run central complete --peers 1 -- --batch-size $((peers * batch)) "${extra[@]}"

python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
print(f"{'graph':<12} {'peers':>5} {'gap':>6} {'avg-model acc':>13} {'peer acc min..max':>18} "
      f"{'consensus err':>13} {'MB sent':>9} {'wall s':>7}")
for name in ["ring", "torus", "exponential", "complete", "central"]:
    s = json.load(open(os.path.join(out, name, "summary.json")))
    topo = json.load(open(os.path.join(out, name + ".json")))
    accs = [a for a in s["test_accuracy_per_peer"] if a is not None]
    gap = os.popen(f"{os.environ.get('GOSSIP', 'build/gossip')} topo show --json {out}/{name}.json").read()
    gap = json.loads(gap)["spectral_gap"]
    print(f"{name:<12} {s['peers']:>5} {gap:>6.3f} {s['test_accuracy']:>13.4f} "
          f"{min(accs):>8.4f}..{max(accs):.4f} {s.get('consensus_error_exact', 0):>13.3g} "
          f"{s['bytes_sent_total'] / 1e6:>9.1f} {s['wall_seconds']:>7.1f}")
print(f"runs in {out}")
PY
