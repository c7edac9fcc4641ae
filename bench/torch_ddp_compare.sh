#!/usr/bin/env bash
# gossip against PyTorch DDP over Gloo, side by side in one run: the torch example
# (examples/torch_mnist/train.py, 8 peers on a ring, gossip after every step) and the same
# model, shards, batch, learning rate, momentum and number of steps trained by DDP
# (examples/torch_mnist/ddp.py: an exact all-reduce of the gradients every step), both as
# 8 processes with one thread each on this machine. Prints test accuracy (gossip: the mean,
# lowest and highest of the peers' own models) and training samples/s over all processes,
# evaluations left out (gossip evaluates at its last round only, here); "whole run" is the
# command's wall time, start-up and evaluation included.
#   bench/torch_ddp_compare.sh [cnn|mlp] [TOPOLOGY]
set -euo pipefail
cd "$(dirname "$0")/.."
model=${1:-cnn}
topology=${2:-examples/torch_mnist/ring8.json}
python=/usr/bin/python3  # Debian's, which has python3-torch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

began=$(date +%s.%N)
build/gossip launch "$topology" --run-dir "$work/gossip" --set eval_every=0 -- \
  "$python" examples/torch_mnist/train.py --model "$model" >"$work/gossip.log" 2>&1 ||
  { tail -20 "$work/gossip.log"; exit 1; }
ended=$(date +%s.%N)
"$python" examples/torch_mnist/ddp.py "$topology" --model "$model" >"$work/ddp.json" 2>"$work/ddp.log" ||
  { tail -20 "$work/ddp.log"; exit 1; }

"$python" - "$work" "$began" "$ended" "$model" "$topology" <<'PY'
import glob, json, os, statistics, sys
work, model, topology = sys.argv[1], sys.argv[4], sys.argv[5]
gossip_wall = float(sys.argv[3]) - float(sys.argv[2])
peers = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(work, "gossip", "peer-*", "train.json")))]
accuracy = [p["test_accuracy"] for p in peers]
# From the first peer's start to the last peer's end: peers that start apart share the
# cores with fewer others for a while, so no one peer's own time is the run's.
seconds = max(p["ended"] for p in peers) - min(p["began"] for p in peers)
samples = sum(p["samples"] for p in peers)
summary = json.load(open(os.path.join(work, "gossip", "summary.json")))
missing = sum(p["missing_neighbour_rounds"] for p in summary["per_peer"])
ddp = json.load(open(os.path.join(work, "ddp.json")))
print("%s, %s, %d processes x 1 thread, %d samples in all" % (model, topology, len(peers), samples))
print("%-22s %-26s %12s %12s %12s" % ("run", "test accuracy", "samples/s", "train s", "whole run s"))
print("%-22s %-26s %12.0f %12.1f %12.1f" % (
    "gossip (ring, DSGD)", "%.4f (%.4f..%.4f)" % (statistics.mean(accuracy), min(accuracy), max(accuracy)),
    samples / seconds, seconds, gossip_wall))
print("%-22s %-26s %12.0f %12.1f %12.1f" % ("DDP over Gloo", "%.4f" % ddp["test_accuracy"],
                                          ddp["samples_per_second"], ddp["train_seconds"], ddp["wall_seconds"]))
print("gossip / DDP samples/s: %.2f; neighbour messages a gossip round went without: %d" %
      (samples / seconds / ddp["samples_per_second"], missing))
PY
