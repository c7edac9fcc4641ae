#!/usr/bin/env bash
# gossip against PyTorch DDP over Gloo, side by side: the torch example
# (examples/torch_mnist/train.py, 8 peers on a ring, gossip after every step) and the same
# model, shards, batch, learning rate, momentum and number of steps trained by DDP
# (examples/torch_mnist/ddp.py: an exact all-reduce of the gradients every step), both as
# 8 processes with one thread each on this machine. The two take turns REPEATS times (this
# machine's speed drifts by 2x and more between runs of the same work), and the table gives
# medians: test accuracy (gossip: the mean, lowest and highest of the peers' own models,
# from the median run), training samples/s over all processes, evaluations left out
# (gossip evaluates at its last round only, here), and the whole command's wall time,
# start-up and evaluation included.
#   bench/torch_ddp_compare.sh [cnn|mlp] [TOPOLOGY] [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-cnn}
topology=${2:-examples/torch_mnist/ring8.json}
repeats=${3:-3}
python=/usr/bin/python3  # Debian's, which has python3-torch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for i in $(seq "$repeats"); do
  began=$(date +%s.%N)
  build/gossip launch "$topology" --run-dir "$work/gossip-$i" --set eval_every=0 -- \
    "$python" examples/torch_mnist/train.py --model "$model" >"$work/gossip-$i.log" 2>&1 ||
    { tail -20 "$work/gossip-$i.log"; exit 1; }
  echo "$began $(date +%s.%N)" >"$work/gossip-$i.wall"
  "$python" examples/torch_mnist/ddp.py "$topology" --model "$model" >"$work/ddp-$i.json" 2>"$work/ddp-$i.log" ||
    { tail -20 "$work/ddp-$i.log"; exit 1; }
done

"$python" - "$work" "$repeats" "$model" "$topology" <<'PY'
import glob, json, os, statistics, sys
work, repeats, model, topology = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
gossip, ddp = [], []
for i in range(1, repeats + 1):
    run = os.path.join(work, "gossip-%d" % i)
    peers = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(run, "peer-*", "train.json")))]
    # From the first peer's start to the last peer's end: peers that start apart share the
    # cores with fewer others for a while, so no one peer's own time is the run's.
    seconds = max(p["ended"] for p in peers) - min(p["began"] for p in peers)
    began, ended = map(float, open(run + ".wall").read().split())
    summary = json.load(open(os.path.join(run, "summary.json")))
    gossip.append({"accuracy": [p["test_accuracy"] for p in peers], "samples": sum(p["samples"] for p in peers),
                   "rate": sum(p["samples"] for p in peers) / seconds, "seconds": seconds, "wall": ended - began,
                   "missing": sum(p["missing_neighbour_rounds"] for p in summary["per_peer"])})
    ddp.append(json.load(open(os.path.join(work, "ddp-%d.json" % i))))

def median_run(runs, key):
    return sorted(runs, key=key)[len(runs) // 2]

g = median_run(gossip, lambda r: r["rate"])
d = median_run(ddp, lambda r: r["samples_per_second"])
accuracy = statistics.median(statistics.mean(r["accuracy"]) for r in gossip)
print("%s, %s, %d processes x 1 thread, %d samples a run; medians of %d runs of each, taking turns" %
      (model, topology, len(g["accuracy"]), g["samples"], repeats))
print("%-22s %-26s %10s %9s %12s" % ("run", "test accuracy", "samples/s", "train s", "whole run s"))
print("%-22s %-26s %10.0f %9.1f %12.1f" % (
    "gossip (ring, DSGD)", "%.4f (%.4f..%.4f)" % (accuracy, min(g["accuracy"]), max(g["accuracy"])),
    g["rate"], g["seconds"], statistics.median(r["wall"] for r in gossip)))
print("%-22s %-26s %10.0f %9.1f %12.1f" % (
    "DDP over Gloo", "%.4f" % statistics.median(r["test_accuracy"] for r in ddp), d["samples_per_second"],
    d["train_seconds"], statistics.median(r["wall_seconds"] for r in ddp)))
ratios = [a["rate"] / b["samples_per_second"] for a, b in zip(gossip, ddp)]
print("gossip / DDP samples/s, run by run: %s (median %.2f); neighbour messages gossip went without: %s" %
      (" ".join("%.2f" % r for r in ratios), statistics.median(ratios), " ".join(str(r["missing"]) for r in gossip)))
PY
