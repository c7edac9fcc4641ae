#!/usr/bin/env bash
# Bytes to accuracy: the update rules and compressors, then the graphs, on one training job
# (Fashion-MNIST, the MLP 784-256-128-10, Dirichlet(0.5) labels, K = 2 local steps of batch
# 32, learning rate 0.05 cosine with 20 warm-up rounds, momentum 0.9). Each run is a real
# `gossip launch`: one process a peer over encrypted loopback TCP. The peers save their
# models every 25 rounds (snapshot_every) and `gossip bench average-model` evaluates the
# average model at each, so "to 0.84" is the first snapshot at which the average model's
# test accuracy reaches 0.84, and the MB are what a peer sent until then (on the wire:
# framing and tags included). A run whose summary is there already is not run again, so
# an interrupted table picks up where it stopped.
#
# Usage: bench/algorithms_table.sh [rounds] [extra gossip launch flags...]
#   GOSSIP_TABLE_DIR=runs/table bench/algorithms_table.sh 1000
set -euo pipefail
cd "$(dirname "$0")/.."
gossip=${GOSSIP:-build/gossip}
rounds=${1:-1000}
shift || true
extra=("$@")
out=${GOSSIP_TABLE_DIR:-runs/algorithms-table-$rounds}
mkdir -p "$out"
target=0.84
common=(--task mlp --hidden 256,128 --partition dirichlet --alpha 0.5 --rounds "$rounds" --local-steps 2
        --batch-size 32 --lr 0.05 --schedule cosine --warmup-rounds 20 --momentum 0.9
        --eval-every "$rounds" --set snapshot_every=25)

port=20000  # below the ephemeral range (32768 on), so an outgoing connection never holds a peer's port
run() {  # name, topo arguments..., then -- and launch flags
  local name=$1; shift
  local topo=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do topo+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  port=$((port + 100))
  if [ -f "$out/$name/summary.json" ] && [ -f "$out/$name.curve.json" ]; then
    echo "== $name (done before)" >&2
    return
  fi
  rm -rf "${out:?}/$name"
  "$gossip" topo "${topo[@]}" --base-port $port -o "$out/$name.json" >/dev/null
  echo "== $name" >&2
  "$gossip" launch "$out/$name.json" --run-dir "$out/$name" "${common[@]}" "$@" "${extra[@]}" >/dev/null 2>"$out/$name.log" ||
    echo "$name failed (see $out/$name.log); its row shows how far it got" >&2
  "$gossip" bench average-model "$out/$name" --json >"$out/$name.curve.json"
}

rules=(dsgd gradient_tracking choco_top_1 choco_random_1 choco_qsgd_4bit choco_sign)
run dsgd ring --peers 8 -- --algorithm atc
run gradient_tracking ring --peers 8 -- --algorithm gradient_tracking
# gamma, each the largest of a sweep that stayed stable (top-1%: 0.1 diverged by round 2000 of
# 3000; random-1%: 0.05 by round 300; 4-bit QSGD: 0.1 by round 350; sign: 0.5 ended worse).
run choco_top_1 ring --peers 8 -- --algorithm choco --compressor '{"kind": "top_k", "fraction": 0.01}' --consensus-step 0.05
run choco_random_1 ring --peers 8 -- --algorithm choco --compressor '{"kind": "random_k", "fraction": 0.01}' --consensus-step 0.02
run choco_qsgd_4bit ring --peers 8 -- --algorithm choco --compressor '{"kind": "qsgd", "bits": 4}' --consensus-step 0.04
run choco_sign ring --peers 8 -- --algorithm choco --compressor sign --consensus-step 0.3

graphs=(ring_8 torus_8 exponential_8 one_peer_exponential_8 ring_16 torus_16 exponential_16 one_peer_exponential_16)
for peers in 8 16; do
  if [ "$peers" = 8 ]; then rows=2 cols=4; else rows=4 cols=4; fi
  if [ "$peers" = 8 ]; then
    ln -sfn dsgd "$out/ring_8"; ln -sf dsgd.curve.json "$out/ring_8.curve.json"; ln -sf dsgd.json "$out/ring_8.json"
  else
    run ring_16 ring --peers 16 -- --algorithm atc
  fi
  run torus_$peers torus --rows $rows --cols $cols -- --algorithm atc
  run exponential_$peers exponential --peers "$peers" -- --algorithm atc
  run one_peer_exponential_$peers one_peer_exponential --peers "$peers" -- --algorithm atc
done

python3 - "$out" "$target" "${rules[*]}" "${graphs[*]}" <<'PY'
import json, os, sys
out, target = sys.argv[1], float(sys.argv[2])
rules, graphs = sys.argv[3].split(), sys.argv[4].split()

def row(name):
    summary = json.load(open(os.path.join(out, name, "summary.json")))
    curve = json.load(open(os.path.join(out, name + ".curve.json")))
    peers = summary["peers"]
    first = next((p for p in curve if p.get("test_accuracy", 0) >= target), None)
    reached = (f"{first['round']:>9} {first['bytes_sent_per_peer'] / 1e6:>11.1f}" if first
               else f"{'never':>9} {'-':>11}")
    final = summary.get("test_accuracy")
    final = f"{final:.4f}" if final is not None else "-"
    return (reached, final, summary.get("consensus_error_exact", float("nan")),
            summary["bytes_sent_total"] / peers / 1e6, summary["wall_seconds"], first)

print(f"Update rules and compressors (8 peers, ring): rounds and MB sent per peer until the average model reaches {target}")
print(f"{'rule':<20} {'rounds to':>9} {'MB to':>11} {'final acc':>9} {'consensus':>10} {'MB/peer':>9} {'fewer bytes':>11} {'wall s':>7}")
base = row("dsgd")[5]
for name in rules:
    reached, final, consensus, mb, wall, first = row(name)
    ratio = f"{base['bytes_sent_per_peer'] / first['bytes_sent_per_peer']:.1f}x" if first and base else "-"
    print(f"{name:<20} {reached} {final:>9} {consensus:>10.3g} {mb:>9.1f} {ratio:>11} {wall:>7.1f}")
print()
print(f"Graphs (DSGD): rounds and MB sent per peer until the average model reaches {target}")
print(f"{'graph':<24} {'rounds to':>9} {'MB to':>11} {'final acc':>9} {'consensus':>10} {'MB/peer':>9} {'wall s':>7}")
for name in graphs:
    reached, final, consensus, mb, wall, _ = row(name)
    print(f"{name:<24} {reached} {final:>9} {consensus:>10.3g} {mb:>9.1f} {wall:>7.1f}")
print(f"runs in {out}")
PY
