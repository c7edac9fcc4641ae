#!/usr/bin/env bash
# Starts a gossip run on machines you already have, over plain ssh: one peer per entry of a
# topology file, each on its own host, then gathers the run directory back here and writes
# the report. Nothing is left running on a failure: a peer that fails is named, the others
# finish (or are stopped by Ctrl-C here, which ends their ssh sessions).
#
#   run_over_ssh.sh FILE RUN [training flags...]
#     FILE  a topology file with every peer's host and public key (gossip keygen --update FILE
#           --out keys); the secret keys are in KEYS/peer-I.key
#     RUN   the local run directory the peers' folders are gathered into
#   Environment: KEYS (default: keys/ beside FILE), GOSSIP (the binary on the hosts, default
#   gossip), LOCAL_GOSSIP (the one here, for the report; default GOSSIP), REMOTE_DIR (the
#   folder on each host, default gossip-run), SSH and SCP (default ssh and scp; any commands
#   that take the same arguments).
#
# Each host gets the topology file and its own secret key alone (mode 0600, in a 0700 folder);
# the keys of the other peers never leave this machine.
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: run_over_ssh.sh FILE RUN [training flags...]" >&2; exit 2; }
file=$1
run=$2
shift 2
keys=${KEYS:-$(dirname "$file")/keys}
gossip=${GOSSIP:-gossip}
remote=${REMOTE_DIR:-gossip-run}
ssh=${SSH:-ssh}
scp=${SCP:-scp}
[[ -f "$file" ]] || { echo "run_over_ssh.sh: no topology file $file" >&2; exit 2; }

# "id host" per peer, from the file itself.
peers=$(python3 -c 'import json, sys
for peer in json.load(open(sys.argv[1]))["peers"]: print(peer["id"], peer["host"])' "$file")
flags=$(printf ' %q' "$@")
mkdir -p "$run"

while read -r id host; do
  [[ -f "$keys/peer-$id.key" ]] || { echo "run_over_ssh.sh: no key $keys/peer-$id.key for peer $id" >&2; exit 2; }
  $ssh -n "$host" "mkdir -p $remote/keys && chmod 700 $remote/keys"
  $scp -q "$file" "$host:$remote/topology.json"
  $scp -q "$keys/peer-$id.key" "$host:$remote/keys/peer-$id.key"
  $ssh -n "$host" "chmod 600 $remote/keys/peer-$id.key"
done <<<"$peers"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; exit 130' INT TERM
while read -r id host; do
  $ssh -n "$host" "cd $remote && $gossip peer topology.json --id $id --key keys/peer-$id.key --run-dir run --overwrite$flags" \
    >"$run/ssh-peer-$id.log" 2>&1 &
  pids+=($!)
done <<<"$peers"

status=0
index=0
while read -r id host; do
  wait "${pids[$index]}" || { echo "run_over_ssh.sh: peer $id on $host failed (exit $?); see $run/ssh-peer-$id.log" >&2; status=1; }
  index=$((index + 1))
done <<<"$peers"

# Gather each host's peer folder (metrics, log, its settings and topology, final model).
while read -r id host; do
  $scp -q -r "$host:$remote/run/peer-$id" "$run/" || { echo "run_over_ssh.sh: could not fetch peer $id's folder from $host" >&2; status=1; }
done <<<"$peers"
local_gossip=${LOCAL_GOSSIP:-$gossip}
if command -v "$local_gossip" >/dev/null; then
  "$local_gossip" report "$run" --out "$run/report.html" >/dev/null && echo "report: $run/report.html"
fi
exit $status
