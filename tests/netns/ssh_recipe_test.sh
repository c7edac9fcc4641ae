#!/usr/bin/env bash
# The plain-ssh recipe (examples/ssh/run_over_ssh.sh) as a user runs it, on four hosts that
# are network namespaces. Each host has a home folder of its own; `ssh HOST CMD` runs CMD
# on that host in its home, and `scp` copies between this machine and the homes, so the
# recipe sees what it would on real machines: nothing but what it copied there. Every peer
# must finish, each host must hold its own secret key alone (mode 0600), and the gathered run
# directory must give a report.
#
#   ssh_recipe_test.sh GOSSIP_BINARY
# Skips (exit 77) where network namespaces cannot be made: not root, or no iproute2.
set -euo pipefail

test_name=ssh
source "$(dirname "${BASH_SOURCE[0]}")/test_setup.sh"

hosts=4
"$testbed" up "$name" "$hosts"
"$gossip" topo ring --peers "$hosts" --hosts 198.18.0.1,198.18.0.2,198.18.0.3,198.18.0.4 -o "$work/ring4.json" >/dev/null
"$gossip" keygen --update "$work/ring4.json" --out "$work/keys" >/dev/null

# Host 198.18.0.(I+1) is host I, with its home in $work/home-I.
mkdir -p "$work/bin"
for ((host = 0; host < hosts; host++)); do mkdir -p "$work/home-$host"; done
cat >"$work/bin/ssh" <<EOF
#!/usr/bin/env bash
[[ \$1 == -n ]] && shift
address=\$1
shift
host=\$((\${address##*.} - 1))
exec "$testbed" exec "$name" "\$host" env HOME="$work/home-\$host" bash -c "cd && \$*"
EOF
cat >"$work/bin/scp" <<EOF
#!/usr/bin/env bash
arguments=()
for argument in "\$@"; do
  case "\$argument" in
    -q) ;;
    -r) arguments+=(-r) ;;
    *:*) address=\${argument%%:*}
         path=\${argument#*:}
         [[ \$path == /* ]] || path="$work/home-\$((\${address##*.} - 1))/\$path"
         arguments+=("\$path") ;;
    *) arguments+=("\$argument") ;;
  esac
done
exec cp "\${arguments[@]}"
EOF
chmod +x "$work/bin/ssh" "$work/bin/scp"

rounds=40
SSH="$work/bin/ssh" SCP="$work/bin/scp" GOSSIP="$gossip" \
  "$source_dir/examples/ssh/run_over_ssh.sh" "$work/ring4.json" "$work/run" --task least_squares --rounds $rounds \
  --eval-every 10 || { echo "FAIL: run_over_ssh.sh exited $?" >&2; cat "$work"/run/ssh-peer-*.log >&2; exit 1; }

for ((host = 0; host < hosts; host++)); do
  keys=$(ls "$work/home-$host/gossip-run/keys")
  [[ "$keys" == "peer-$host.key" ]] || { echo "FAIL: host $host holds keys: $keys" >&2; exit 1; }
  mode=$(stat -c %a "$work/home-$host/gossip-run/keys/peer-$host.key")
  [[ "$mode" == 600 ]] || { echo "FAIL: host $host's key has mode $mode" >&2; exit 1; }
  lines=$(wc -l <"$work/run/peer-$host/metrics.jsonl")
  ((lines == rounds)) || { echo "FAIL: peer $host's gathered metrics have $lines rounds, not $rounds" >&2; exit 1; }
done
[[ -s "$work/run/report.html" ]] || { echo "FAIL: no report of the gathered run" >&2; exit 1; }
echo "PASSED: 4 peers started over ssh, each with its own key alone; the run gathered and reported"
