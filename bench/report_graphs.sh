#!/usr/bin/env bash
# The shipped example (examples/ring8_fashion_mnist.json) on its ring and on the one-peer
# exponential graph, with the same settings, then one `gossip report` page comparing the
# two and, where Chromium is installed, its screenshot (the one in docs/ and the README).
# Usage: bench/report_graphs.sh [extra gossip launch flags...]   e.g. --rounds 300
# Environment: GOSSIP [build/gossip], OUT [runs/report-graphs-DATE], SCREENSHOT [OUT/report.png]
set -euo pipefail
cd "$(dirname "$0")/.."
gossip=${GOSSIP:-build/gossip}
out=${OUT:-runs/report-graphs-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
# Snapshots every 100 rounds give the average model's curve and the exact consensus error
# beside the sketch estimate; evaluations every 20 rounds give the curves their detail.
settings=(--eval-every 20 --set snapshot_every=100 "$@")

python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
base = json.load(open("examples/ring8_fashion_mnist.json"))
for name, kind, offset in (("ring", "ring", 1100), ("one_peer_exponential", "one_peer_exponential", 1200)):
    topology = dict(base, graph={"kind": kind})
    topology["peers"] = [dict(peer, port=peer["port"] - 29500 + 20000 + offset) for peer in base["peers"]]
    json.dump(topology, open(f"{out}/{name}.json", "w"), indent=2)
PY
for name in ring one_peer_exponential; do
  echo "== $name" >&2
  "$gossip" launch "$out/$name.json" --run-dir "$out/$name" "${settings[@]}" | tail -4
done
"$gossip" report "$out/ring" "$out/one_peer_exponential" --out "$out/report.html" --csv "$out/report.csv"
screenshot=${SCREENSHOT:-$out/report.png}
for chromium in chromium chromium-browser google-chrome; do
  if command -v "$chromium" >/dev/null; then
    "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,2300 \
      --screenshot="$(realpath -m "$screenshot")" "file://$(realpath "$out/report.html")" >/dev/null 2>&1
    echo "screenshot: $screenshot"
    break
  fi
done
