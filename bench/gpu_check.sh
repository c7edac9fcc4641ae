#!/usr/bin/env bash
# The GPU checks of issue 16 as one prepared script, for the `device` tool's GPU machine,
# which has CUDA, CMake and Python but none of gossip's Debian packages and no network:
#
#   bench/gpu_check.sh prepare       here: downloads those packages into .gpu-debs/ (ignored by git)
#   bench/gpu_check.sh run [OUT]     there (carry .gpu-debs): unpacks them under /tmp/gossip-deps,
#                                    builds, and writes its logs and table into OUT (default: gpu-check/)
#
# `run` prints, and leaves in OUT: the GPU tests (every CUDA twin against the CPU, the MLP
# and the trainer on both devices, the 4-peer GPU run against the CPU one, NCCL's channels
# between two GPUs, or its fallback to TCP on one, the robust aggregators on the GPU), the
# kernel and aggregator benchmarks, and the 8-peer Fashion-MNIST ring on the GPU against the
# same run on the CPU, time per round side by side. On a machine without a GPU it says so and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=.gpu-debs
packages=(libasio-dev libsodium-dev libsodium23 libssl-dev libssl3 libeigen3-dev nlohmann-json3-dev libcli11-dev
          zlib1g-dev doctest-dev dataset-fashion-mnist libjs-chart.js)

prepare() {
  mkdir -p "$debs"
  (cd "$debs" && apt-get download "${packages[@]}")  # .gitignore keeps them out of commits
  echo "gpu_check: $(ls "$debs" | wc -l) packages in $debs ($(du -sh "$debs" | cut -f1)); run with carry [\"$debs\"]"
}

run() {
  local out=${1:-gpu-check}
  mkdir -p "$out"
  exec > >(tee "$out/gpu_check.log") 2>&1
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || { echo "gpu_check: no GPU here"; exit 1; }
  local deps=/tmp/gossip-deps
  mkdir -p "$deps"
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$deps"; done
  export CMAKE_PREFIX_PATH=$deps/usr PKG_CONFIG_PATH=$deps/usr/lib/x86_64-linux-gnu/pkgconfig:$deps/usr/share/pkgconfig
  export CPATH=$deps/usr/include LIBRARY_PATH=$deps/usr/lib/x86_64-linux-gnu LD_LIBRARY_PATH=$deps/usr/lib/x86_64-linux-gnu
  export GOSSIP_DATA_DIR=$deps/usr/share/datasets/fashion-mnist
  # pkg-config's .pc files name /usr as their prefix: point them at the unpacked tree.
  sed -i "s|^prefix=/usr|prefix=$deps/usr|" "$deps"/usr/lib/x86_64-linux-gnu/pkgconfig/*.pc
  local build=build-gpu
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGOSSIP_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DGOSSIP_PYTHON=OFF -DGOSSIP_CHART_JS_PATH="$deps/usr/share/javascript/chart.js/chart.min.js" \
    -DASIO_INCLUDE_DIR="$deps/usr/include" > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
  cmake --build "$build" -j 16 > "$out/build.log" 2>&1 || { grep -m 20 -B2 -A8 "error" "$out/build.log"; exit 1; }
  "$build/gossip" version

  echo "== GPU tests (each CUDA kernel against the CPU; MLP and trainer; 4 peers GPU against CPU; NCCL)"
  ctest --test-dir "$build" -R "cuda|GPU|gpu|NCCL" --output-on-failure --timeout 300 > "$out/gpu_tests.log" 2>&1 || true
  grep -E "tests passed|tests failed|Failed|Skipped" "$out/gpu_tests.log" || true

  echo "== gossip bench kernels"
  "$build/gossip" bench kernels 2>&1 | tee "$out/kernel_bench.txt"

  echo "== gossip bench aggregators: the CPU's rows and the GPU's, copies included"
  "$build/gossip" bench aggregators 2>&1 | tee "$out/aggregator_bench.txt"
  "$build/gossip" bench aggregators --length 16777216 --repetitions 5 2>&1 | tee "$out/aggregator_bench_64mb.txt"

  echo "== 8-peer Fashion-MNIST ring, 300 rounds: GPU against CPU"
  local table="| device | ms per round | compute ms per round | mean test accuracy |"$'\n'"| --- | --- | --- | --- |"
  for device in cuda cpu; do
    rm -rf "/tmp/gpu-check-$device"
    "$build/gossip" launch examples/ring8_fashion_mnist.json --device "$device" --rounds 300 --run-dir "/tmp/gpu-check-$device" \
      > "$out/launch-$device.log" 2>&1 || { tail -20 "$out/launch-$device.log"; exit 1; }
    # Per peer, from its metrics: the rounds after the first (start-up and the first wait
    # left out), then the median over the peers.
    table+=$'\n'$(python3 - "/tmp/gpu-check-$device" "$device" <<'PY'
import json, statistics, sys
run, device = sys.argv[1], sys.argv[2]
summary = json.load(open(run + "/summary.json"))
per_round, compute = [], []
for peer in range(summary["peers"]):
    lines = [json.loads(line) for line in open(f"{run}/peer-{peer}/metrics.jsonl")]
    per_round.append((lines[-1]["elapsed_seconds"] - lines[0]["elapsed_seconds"]) / (len(lines) - 1))
    compute.append(statistics.mean(line["compute_seconds"] for line in lines[1:]))
print(f"| {device} | {1000 * statistics.median(per_round):.2f} | {1000 * statistics.median(compute):.2f} "
      f"| {summary['test_accuracy']:.4f} |")
PY
)
  done
  echo "$table" | tee "$out/ring8_table.md"
  echo "== NCCL GPU to GPU needs 2 GPUs: with $(nvidia-smi -L | wc -l) here, the NCCL tests above say what ran"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run "${2:-}" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
