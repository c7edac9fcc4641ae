#!/usr/bin/env bash
# One slow peer, two questions, one table each. Four peers on a ring on this machine, started
# by hand (`gossip peer`), peer 3 a straggler: SIGSTOPped for STOP_MS of every PERIOD_MS,
# as a preempted or swapping VM is.
#
# 1. One-sided loss. Gradient tracking on least squares has an exact optimum, which it keeps
#    only while sum_i c_i = 0, i.e. while every mix is an average. With a fixed deadline of
#    20 ms the straggler's neighbours often miss its message while it mixed theirs. Rows:
#    late_rounds 0 (the late message dropped: the one-sided mix stays) against 4 (mixed in
#    when it comes). Columns: rounds with a miss, late messages mixed, the median distance of
#    the peers' final models from the optimum.
# 2. The deadline. MLP on Fashion-MNIST, a straggler that stops for long stretches (LONG_STOP_MS
#    of every LONG_PERIOD_MS, as a VM that is preempted or swapping hard): the fixed 30 s
#    timeout (peers wait for it as long as it is stopped, every time) against the adaptive
#    deadline with its default floor and with a floor of 50 ms. Columns: wall time, the
#    peers' summed waiting, rounds with a miss, the mean final test accuracy.
#
# Usage: bench/straggler.sh      Environment: GOSSIP [build/gossip], OUT [runs/straggler-DATE],
#        STOP_MS [30], PERIOD_MS [100], LONG_STOP_MS [10000], LONG_PERIOD_MS [13000],
#        ROUNDS_LSQ [1000], ROUNDS_MLP [1500]
set -euo pipefail
cd "$(dirname "$0")/.."
gossip=$(realpath "${GOSSIP:-build/gossip}")
out=${OUT:-runs/straggler-$(date +%Y%m%d-%H%M%S)}
stop_ms=${STOP_MS:-30}
period_ms=${PERIOD_MS:-100}
mkdir -p "$out"
"$gossip" topo ring --peers 4 --base-port 23400 -o "$out/ring4.json" >/dev/null
"$gossip" keygen --update "$out/ring4.json" --out "$out/keys" >/dev/null

straggle() {  # pid, stop_ms, period_ms: stop it for stop_ms of every period_ms while it lives
  local pid=$1 stop_ms=$2 period_ms=$3 stop run
  stop=$(awk -v s="$stop_ms" 'BEGIN { print s / 1000 }')
  run=$(awk -v s="$stop_ms" -v p="$period_ms" 'BEGIN { print (p - s) / 1000 }')
  while sleep "$run" && kill -STOP "$pid" 2>/dev/null; do
    sleep "$stop"
    kill -CONT "$pid" 2>/dev/null || break
  done
}

run() {  # name, flags...: the four peers, peer 3 straggling as $straggling says; prints the wall time
  local name=$1
  shift
  local pids=() begin
  begin=$(date +%s.%N)
  for id in 0 1 2 3; do
    "$gossip" peer "$out/ring4.json" --id "$id" --run-dir "$out/$name" "$@" >"$out/$name.peer$id.log" 2>&1 &
    pids+=($!)
  done
  straggle "${pids[3]}" $straggling &
  local straggler=$!
  for pid in "${pids[@]}"; do wait "$pid"; done
  kill "$straggler" 2>/dev/null || true
  wait "$straggler" 2>/dev/null || true
  awk -v b="$begin" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - b }'
}

# Per run: rounds with a miss, late messages mixed, summed wait, median distance, mean accuracy.
summarize() {
  python3 - "$1" <<'PY'
import json, pathlib, statistics, sys
run = pathlib.Path(sys.argv[1])
missed = late = 0
wait = 0.0
distance, accuracy = [], []
for peer in sorted(run.glob("peer-*")):
    lines = [json.loads(line) for line in open(peer / "metrics.jsonl")]
    missed += sum(1 for line in lines if line["missing"])
    late += sum(len(line.get("late_mixed", [])) for line in lines)
    wait += sum(line["wait_seconds"] for line in lines)
    if "distance_to_optimum" in lines[-1]: distance.append(lines[-1]["distance_to_optimum"])
    if "test_accuracy" in lines[-1]: accuracy.append(lines[-1]["test_accuracy"])
print(missed, late, f"{wait:.1f}", f"{statistics.median(distance):.3g}" if distance else "-",
      f"{statistics.mean(accuracy):.4f}" if accuracy else "-")
PY
}

lsq=(--task least_squares --set 'task_options={"dimension":100,"rows":20000}' --algorithm gradient_tracking
     --rounds "${ROUNDS_LSQ:-1000}" --lr 0.02 --eval-every 0
     --set round_deadline='"fixed"' --round-timeout 0.02)
straggling="$stop_ms $period_ms"
echo "One-sided loss: gradient tracking, least squares, 4 peers, peer 3 stopped ${stop_ms} of every ${period_ms} ms, fixed 20 ms deadline"
printf "%-14s %10s %12s %14s %22s\n" late_rounds wall_s miss_rounds late_mixed distance_to_optimum
for late in 0 4 16 64; do
  wall=$(run "lsq-late$late" "${lsq[@]}" --set late_rounds=$late)
  read -r missed mixed _ distance _ <<<"$(summarize "$out/lsq-late$late")"
  printf "%-14s %10s %12s %14s %22s\n" "$late" "$wall" "$missed" "$mixed" "$distance"
done

mlp=(--task mlp --hidden 64 --rounds "${ROUNDS_MLP:-1500}" --lr 0.05 --momentum 0.9 --eval-every 0)
straggling="${LONG_STOP_MS:-10000} ${LONG_PERIOD_MS:-13000}"
echo
echo "Deadline: MLP on Fashion-MNIST, 4 peers, peer 3 stopped ${LONG_STOP_MS:-10000} of every ${LONG_PERIOD_MS:-13000} ms"
printf "%-26s %10s %12s %12s %14s\n" deadline wall_s wait_s miss_rounds test_accuracy
for variant in "fixed 30 s|--set round_deadline=\"fixed\" --round-timeout 30" \
               "adaptive, floor 1 s|--set round_deadline=\"adaptive\"" \
               "adaptive, floor 50 ms|--set round_deadline=\"adaptive\" --set round_deadline_floor_seconds=0.05"; do
  label=${variant%%|*}
  read -r -a flags <<<"${variant#*|}"
  name="mlp-$(echo "$label" | tr -c 'a-z0-9' '-')"
  wall=$(run "$name" "${mlp[@]}" "${flags[@]}")
  read -r missed _ wait _ accuracy <<<"$(summarize "$out/$name")"
  printf "%-26s %10s %12s %12s %14s\n" "$label" "$wall" "$wait" "$missed" "$accuracy"
done
echo "runs in $out"
