#!/usr/bin/env bash
# A network partition across hosts: four network namespaces, one peer each, on the ring
# 0-1-2-3-0, label-skewed data so that the two halves drift apart visibly. After WARM rounds
# the paths 1-2 and 3-0 are cut (every packet between those hosts dropped), which splits the
# network into {0, 1} and {2, 3}; each half goes on training as a pair. After CUT seconds,
# longer than a silent link lives (5 s), the paths are mended and the links come back.
# Every peer must finish the run, and the consensus error (the sketch estimate, from gossip
# report --csv) must rise during the cut and fall back to its level before the cut.
#
#   partition_test.sh GOSSIP_BINARY
# Skips (exit 77) where network namespaces cannot be made: not root, or no iproute2.
set -euo pipefail

test_name=part
source "$(dirname "${BASH_SOURCE[0]}")/test_setup.sh"

hosts=4
rounds=800
warm=150
cut=8
# 50 Mbit/s links make a round take about 35 ms (two 100 KB models out, two in), so the cut
# spans a couple of hundred rounds and the run goes on long after it.
"$testbed" up "$name" "$hosts" 50mbit
"$gossip" topo ring --peers "$hosts" --hosts 198.18.0.1,198.18.0.2,198.18.0.3,198.18.0.4 -o "$work/ring4.json" >/dev/null
"$gossip" keygen --update "$work/ring4.json" --out "$work/keys" >/dev/null
run="$work/run"
declare -a pids
for ((host = 0; host < hosts; host++)); do
  "$testbed" exec "$name" "$host" "$gossip" peer "$work/ring4.json" --id "$host" --run-dir "$run" \
    --task mlp --hidden 32 --rounds "$rounds" --lr 0.05 --partition dirichlet --alpha 0.1 --eval-every 50 \
    --set round_deadline_floor_seconds=0.2 >"$work/peer$host.out" 2>&1 &
  pids[$host]=$!
done

rounds_done() {  # host
  local file="$run/peer-$1/metrics.jsonl"
  [[ -f "$file" ]] && wc -l <"$file" || echo 0
}
wait_for_rounds() {  # host, rounds, seconds
  local deadline=$((SECONDS + $3))
  until (($(rounds_done "$1") >= $2)); do
    ((SECONDS < deadline)) || { echo "FAIL: peer $1 did not reach $2 rounds in $3 s" >&2; exit 1; }
    sleep 0.05
  done
}

wait_for_rounds 0 "$warm" 120
"$testbed" cut "$name" 1 2
"$testbed" cut "$name" 3 0
cut_at="$(rounds_done 0)"
sleep "$cut"
"$testbed" mend "$name" 1 2
"$testbed" mend "$name" 3 0
healed_at="$(rounds_done 0)"
echo "paths 1-2 and 3-0 cut from round $cut_at to round $healed_at of peer 0 (peer 2 at $(rounds_done 2) then)"

status=0
for host in "${!pids[@]}"; do
  wait "${pids[$host]}" || { echo "FAIL: peer $host exited $?; its output:" >&2; cat "$work/peer$host.out" >&2; status=1; }
done
((status == 0)) || exit 1
for ((host = 0; host < hosts; host++)); do
  last=$(tail -n 1 "$run/peer-$host/metrics.jsonl" | grep -oE '"round":[0-9]+' | cut -d: -f2)
  ((last == rounds - 1)) || { echo "FAIL: peer $host ended at round $last, not $((rounds - 1))" >&2; exit 1; }
done

"$gossip" report "$run" --out "$work/report.html" --csv "$work/rounds.csv" >/dev/null
# The consensus error at each evaluated round (rounds done), from peer 0's rows of the table.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) column[$i] = i; next }
         $column["peer"] == 0 && $column["consensus_error"] != "" { print $column["round"] + 1, $column["consensus_error"] }' \
  "$work/rounds.csv" >"$work/consensus.txt"
# Before: the evaluations of the 150 rounds before the cut; during: the cut's second half
# (the drift takes a while to build); after: the last 100 rounds of the run.
before="$(awk -v a=$((cut_at - 150)) -v b="$cut_at" '$1 > a && $1 <= b { s += $2; n++ } END { printf "%.3e", s / n }' "$work/consensus.txt")"
during="$(awk -v a=$(((cut_at + healed_at) / 2)) -v b="$healed_at" '$1 > a && $1 <= b { if ($2 > m) m = $2 } END { printf "%.3e", m }' "$work/consensus.txt")"
after="$(awk -v a=$((rounds - 100)) '$1 > a { s += $2; n++ } END { printf "%.3e", s / n }' "$work/consensus.txt")"
echo "consensus error by round (rounds done): $(tr '\n' ' ' <"$work/consensus.txt")"
echo "consensus error: before the cut $before, during it (peak) $during, at the end $after"
awk -v b="$before" -v d="$during" -v a="$after" 'BEGIN { exit !(d >= 5 * b && a <= 2 * b) }' ||
  { echo "FAIL: want the peak during the cut at least 5x the level before it, and the end within 2x of that level" >&2
    cat "$work/consensus.txt" >&2; exit 1; }
echo "PASSED"
