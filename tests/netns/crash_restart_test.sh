#!/usr/bin/env bash
# End to end across hosts: four network namespaces, one peer each, train an MLP on
# Fashion-MNIST over encrypted TCP on a ring. Host 2's peer is killed with SIGKILL mid-run;
# its neighbours must carry on without it, and restarted with --resume it must catch up and
# finish. Every peer's test accuracy over the last 500 rounds is printed, and their mean
# must stay within one point of the same run uninterrupted.
#
#   crash_restart_test.sh GOSSIP_BINARY
# Skips (exit 77) where network namespaces cannot be made: not root, or no iproute2.
set -euo pipefail

test_name=crash
source "$(dirname "${BASH_SOURCE[0]}")/test_setup.sh"

hosts=4
# Long enough that the killed peer's neighbours, which run faster without it, are still
# training when it comes back: it is restarted a moment after they are seen to carry on.
rounds=3000
"$testbed" up "$name" "$hosts"
"$gossip" topo ring --peers "$hosts" --hosts 198.18.0.1,198.18.0.2,198.18.0.3,198.18.0.4 -o "$work/ring4.json" >/dev/null
"$gossip" keygen --update "$work/ring4.json" --out "$work/keys" >/dev/null
training=(--task mlp --hidden 64 --rounds "$rounds" --lr 0.05 --momentum 0.9 --eval-every 100 --checkpoint-every 50)

start_peer() {  # host, run directory, extra flags...
  local host="$1" run="$2"
  shift 2
  "$testbed" exec "$name" "$host" "$gossip" peer "$work/ring4.json" --id "$host" --run-dir "$run" \
    "${training[@]}" "$@" >>"$run.peer$host.out" 2>&1 &
  pids[$host]=$!
}

rounds_done() {  # run directory, host
  local file="$1/peer-$2/metrics.jsonl"
  [[ -f "$file" ]] && wc -l <"$file" || echo 0
}

wait_for_rounds() {  # run, host, rounds, seconds
  local deadline=$((SECONDS + $4))
  until (($(rounds_done "$1" "$2") >= $3)); do
    ((SECONDS < deadline)) || { echo "FAIL: peer $2 of $1 did not reach $3 rounds in $4 s" >&2; exit 1; }
    sleep 0.05
  done
}

finish_all() {  # run: waits for every peer, each must exit 0
  local host status=0
  for host in "${!pids[@]}"; do
    wait "${pids[$host]}" || { echo "FAIL: peer $host of $1 exited $?; its output:" >&2; cat "$1.peer$host.out" >&2; status=1; }
  done
  ((status == 0)) || exit 1
}

# At a constant learning rate the last round's accuracy is one draw of SGD's noise, and the
# crash sends the run down another path (a single last round differed by up to 0.011 from
# the clean run's): the mean of the evaluations of the last 500 rounds is steadier.
final_accuracy() {  # run, host: the mean test_accuracy of the last 5 evaluations
  grep -oE '"test_accuracy":[0-9.e-]+' "$1/peer-$2/metrics.jsonl" | cut -d: -f2 | tail -n 5 |
    awk '{ sum += $1 } END { printf "%.4f", sum / NR }'
}

mean_accuracy() {
  local run="$1" host sum=0
  for ((host = 0; host < hosts; host++)); do sum="$(awk -v a="$sum" -v b="$(final_accuracy "$run" "$host")" 'BEGIN { print a + b }')"; done
  awk -v s="$sum" -v n="$hosts" 'BEGIN { printf "%.4f", s / n }'
}

# The reference: the same run, nobody killed.
declare -a pids
for ((host = 0; host < hosts; host++)); do start_peer "$host" "$work/clean"; done
finish_all "$work/clean"

pids=()
for ((host = 0; host < hosts; host++)); do start_peer "$host" "$work/crash"; done
wait_for_rounds "$work/crash" 2 150 120
kill -9 "${pids[2]}"
wait "${pids[2]}" 2>/dev/null || true
unset 'pids[2]'
killed_at="$(rounds_done "$work/crash" 2)"
# Its neighbours carry on without it: links to a dead process reset at once, so no round waits.
before="$(rounds_done "$work/crash" 1)"
wait_for_rounds "$work/crash" 1 $((before + 20)) 30
echo "peer 2 killed after $killed_at rounds; peer 1 went on from round $before to $(rounds_done "$work/crash" 1) meanwhile"
start_peer 2 "$work/crash" --resume
finish_all "$work/crash"

grep -q "resuming\|resumed\|checkpoint" "$work/crash.peer2.out" || { echo "FAIL: peer 2 did not say it resumed" >&2; cat "$work/crash.peer2.out" >&2; exit 1; }
last_round="$(tail -n 1 "$work/crash/peer-2/metrics.jsonl" | grep -oE '"round":[0-9]+' | cut -d: -f2)"
((last_round == rounds - 1)) || { echo "FAIL: peer 2 ended at round $last_round, not $((rounds - 1))" >&2; exit 1; }

for ((host = 0; host < hosts; host++)); do
  echo "host $host ($("$testbed" address "$name" "$host")): test accuracy clean $(final_accuracy "$work/clean" "$host"), crashed and restarted $(final_accuracy "$work/crash" "$host")"
done
clean="$(mean_accuracy "$work/clean")"
crashed="$(mean_accuracy "$work/crash")"
echo "mean test accuracy: clean $clean, with peer 2 killed and restarted $crashed"
awk -v c="$clean" -v k="$crashed" 'BEGIN { exit !(c >= 0.78 && k >= c - 0.01) }' ||
  { echo "FAIL: want clean >= 0.78 and the crashed run within 0.01 of it" >&2; exit 1; }
echo "PASSED"
