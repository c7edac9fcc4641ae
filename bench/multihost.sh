#!/usr/bin/env bash
# Gossip against the all-reduce baseline across hosts, side by side in one run: 8 hosts,
# each a network namespace with its own address (tests/netns/testbed.sh), one peer or rank a
# host, every host's link unlimited, then 1 Gbit/s, then 100 Mbit/s (tbf, both directions;
# bandwidth only: no propagation delay can be modelled here). The task is the MLP on
# Fashion-MNIST (784-128-10, iid shards, batch 32, lr 0.05 with momentum 0.9 and a cosine
# schedule), the same for every system:
#   allreduce   synchronous SGD, each step's gradient averaged by Gloo's ring all-reduce
#               (bench/allreduce/, plain TCP), 2 R steps
#   ring        gossip, ATC with K = 2 local steps a round, R rounds (the same samples)
#   one_peer    the same on the time-varying one-peer exponential graph
#   ring+sign   CHOCO-SGD on the ring with scaled-sign compression (consensus step 0.3, the
#               bench/algorithms_table.sh setting): about 32x fewer bytes a round
# Gossip links are authenticated and encrypted; Gloo's are neither.
# Columns: per two local steps (one gossip round, two all-reduce steps) the median compute,
# communicate and wait in ms over peers and rounds; wall seconds to a mean test accuracy
# of TARGET over the peers (evaluations every 25 rounds); the final mean accuracy; the
# whole run's wall time.
#
# Usage (root): bench/multihost.sh     Environment: GOSSIP [build/gossip], ALLREDUCE
#   [build/bench/gossip_allreduce], OUT [runs/multihost-DATE], ROUNDS [600], TARGET [0.85],
#   RATES ["none 1gbit 100mbit"], SYSTEMS ["allreduce ring one_peer ring+sign"]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
gossip=$(realpath "${GOSSIP:-build/gossip}")
allreduce=$(realpath "${ALLREDUCE:-build/bench/gossip_allreduce}")
out=$(realpath -m "${OUT:-runs/multihost-$(date +%Y%m%d-%H%M%S)}")
rounds=${ROUNDS:-600}
target=${TARGET:-0.85}
rates=${RATES:-none 1gbit 100mbit}
systems=${SYSTEMS:-allreduce ring one_peer ring+sign}
hosts=8
testbed="$root/tests/netns/testbed.sh"
name="mh$$"
[[ $(id -u) -eq 0 ]] || { echo "multihost.sh: needs root (network namespaces)" >&2; exit 2; }
if [[ ! -x "$allreduce" && -z "${ALLREDUCE:-}" ]]; then
  # The baseline is built where Gloo is installed: install it (Debian's libgloo-dev) and build it.
  if ! dpkg-query -W -f='${Status}' libgloo-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "multihost.sh: installing libgloo-dev for the all-reduce baseline" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libgloo-dev >/dev/null
  fi
  cmake -S . -B "$(dirname "$(dirname "$allreduce")")" >/dev/null
  cmake --build "$(dirname "$(dirname "$allreduce")")" --target gossip_allreduce >/dev/null
fi
[[ -x "$allreduce" ]] || { echo "multihost.sh: no $allreduce (install libgloo-dev and rebuild)" >&2; exit 2; }
trap '"$testbed" down "$name" || true' EXIT
trap 'exit 130' INT TERM
mkdir -p "$out"

host_list=$(seq -s, -f "198.18.0.%g" 1 $hosts)
for graph in ring one_peer_exponential; do
  "$gossip" topo "$graph" --peers $hosts --hosts "$host_list" --base-port 29500 -o "$out/$graph.json" >/dev/null
  "$gossip" keygen --update "$out/$graph.json" --out "$out/keys" >/dev/null
done
python3 - "$out" "$rounds" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
training = {"task": "mlp", "task_options": {"hidden": [128]}, "partition": "iid", "batch_size": 32,
            "learning_rate": 0.05, "momentum": 0.9, "schedule": {"kind": "cosine", "warmup_rounds": 20},
            "local_steps": 2, "rounds": rounds, "eval_every": 25, "round_timeout_seconds": 30}
for graph in ("ring", "one_peer_exponential"):
    topology = json.load(open(f"{out}/{graph}.json"))
    topology["training"] = training
    json.dump(topology, open(f"{out}/{graph}.json", "w"), indent=1)
# The baseline takes the same file with twice the steps (one step a round) and evaluations at the same samples.
topology = json.load(open(f"{out}/ring.json"))
topology["training"] = dict(training, rounds=2 * rounds, eval_every=50, local_steps=1)
json.dump(topology, open(f"{out}/allreduce.json", "w"), indent=1)
PY

run_system() {  # system, run directory
  local system=$1 run=$2 pids=() host
  for ((host = 0; host < hosts; host++)); do
    case "$system" in
      allreduce) command=("$allreduce" "$out/allreduce.json" --id $host --run-dir "$run") ;;
      ring) command=("$gossip" peer "$out/ring.json" --id $host --run-dir "$run") ;;
      one_peer) command=("$gossip" peer "$out/one_peer_exponential.json" --id $host --run-dir "$run") ;;
      ring+sign) command=("$gossip" peer "$out/ring.json" --id $host --run-dir "$run" --algorithm choco --compressor sign
                          --consensus-step 0.3) ;;
      *) echo "unknown system $system" >&2; exit 2 ;;
    esac
    "$testbed" exec "$name" $host "${command[@]}" >"$run.host$host.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || { echo "a peer of $run failed; see $run.host*.log" >&2; exit 1; }; done
}

summarize() {  # run directory, steps per round: one table row's numbers
  python3 - "$1" "$2" "$target" <<'PY'
import json, pathlib, statistics, sys
run, per_round, target = pathlib.Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
peers = [[json.loads(l) for l in open(p / "metrics.jsonl")] for p in sorted(run.glob("peer-*"))]
# Training starts when the first round began on the earliest peer.
start = min(lines[0]["elapsed_seconds"] - lines[0]["compute_seconds"] - lines[0]["communicate_seconds"]
            - lines[0]["wait_seconds"] for lines in peers)
def median(field):
    return 1000 * statistics.median(line[field] for lines in peers for line in lines) * per_round
reached = "-"
for index, line in enumerate(peers[0]):
    if "test_accuracy" not in line: continue
    row = [lines[index] for lines in peers]
    if statistics.mean(r["test_accuracy"] for r in row) >= target:
        reached = f"{max(r['elapsed_seconds'] for r in row) - start:.1f}"
        break
final = statistics.mean(lines[-1]["test_accuracy"] for lines in peers)
wall = max(lines[-1]["elapsed_seconds"] for lines in peers) - start
print(f"{median('compute_seconds'):.1f} {median('communicate_seconds'):.1f} {median('wait_seconds'):.1f} {reached} {final:.4f} {wall:.1f}")
PY
}

printf "%-9s %-11s %11s %15s %11s %13s %11s %9s\n" link system compute_ms communicate_ms wait_ms "s_to_$target" accuracy wall_s
for rate in $rates; do
  "$testbed" up "$name" $hosts "$rate"
  for system in $systems; do
    run="$out/$rate-$system"
    run_system "$system" "$run"
    per_round=1
    [[ $system == allreduce ]] && per_round=2
    read -r compute communicate wait reached accuracy wall <<<"$(summarize "$run" $per_round)"
    label=$rate
    [[ $rate == none ]] && label=unlimited
    printf "%-9s %-11s %11s %15s %11s %13s %11s %9s\n" "$label" "$system" "$compute" "$communicate" "$wait" "$reached" "$accuracy" "$wall"
  done
  "$testbed" down "$name"
done
echo "runs in $out (gossip report $out/100mbit-ring $out/100mbit-one_peer ... overlays them)"
