#!/usr/bin/env bash
# The Slurm recipe, run as a user runs it: a one-node Slurm cluster on this machine (Debian's
# slurmctld and slurmd, authenticated by munge, every file in a temporary folder), then
# `sbatch --wait examples/slurm/gossip.sbatch` with 4 tasks. Every peer must finish every
# round, take its id from SLURM_PROCID, and the batch script must leave the report.
#
#   sbatch_test.sh GOSSIP_BINARY SOURCE_DIR
# Installs slurmctld, slurmd, slurm-client and munge where it is root and they are missing;
# skips (exit 77) where it cannot.
set -euo pipefail

gossip="$(realpath "$1")"
source_dir="$(realpath "$2")"
work="$(mktemp -d)"
daemons=()
cleanup() {
  for pid in "${daemons[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${daemons[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

packages=(slurmctld slurmd slurm-client munge)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || { echo "SKIPPED: Slurm is not installed (${missing[*]}) and installing needs root"; exit 77; }
  install=(apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 "${missing[@]}")
  if ! DEBIAN_FRONTEND=noninteractive "${install[@]}" >"$work/apt.log" 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive "${install[@]}" >"$work/apt.log" 2>&1 ||
      { echo "SKIPPED: apt-get could not install ${missing[*]}: $(tail -n 1 "$work/apt.log")"; exit 77; }
  fi
fi
[[ $(id -u) -eq 0 ]] || { echo "SKIPPED: a one-node Slurm cluster needs root (slurmd runs jobs as their user)"; exit 77; }

# munge: one daemon per machine; start it unless one answers already.
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /run/munge && chown munge:munge /run/munge
  [[ -f /etc/munge/munge.key ]] || { echo "FAIL: no /etc/munge/munge.key after installing munge" >&2; exit 1; }
  runuser -u munge -- /usr/sbin/munged
  for _ in $(seq 50); do munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
fi

# Ports of the test's own: below the ephemeral range, away from Slurm's defaults.
port=$((17000 + RANDOM % 1000))
export SLURM_CONF="$work/slurm.conf"
mkdir -p "$work/state" "$work/spool"
cat >"$SLURM_CONF" <<EOF
ClusterName=gossiptest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -f "$SLURM_CONF" >"$work/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$work/slurmd.out" 2>&1 &
daemons+=($!)
for _ in $(seq 100); do
  sinfo -h -o %t 2>/dev/null | grep -qx idle && break
  sleep 0.1
done
sinfo -h -o %t 2>/dev/null | grep -qx idle ||
  { echo "FAIL: the one-node Slurm did not come up" >&2; tail -n 20 "$work"/*.log "$work"/*.out >&2; exit 1; }

run="$work/run"
cd "$work"
rounds=40
status=0
GOSSIP="$gossip" RUN="$run" BASE_PORT=$((port + 10)) sbatch --wait --nodes=1 --ntasks=4 --ntasks-per-node=4 \
  --output="$work/job.out" "$source_dir/examples/slurm/gossip.sbatch" --task least_squares --rounds $rounds \
  --eval-every 10 >"$work/sbatch.out" 2>&1 || status=$?
cat "$work/job.out"
((status == 0)) || { echo "FAIL: sbatch --wait exited $status" >&2; cat "$work/sbatch.out" "$work/job.out" >&2; exit 1; }
for id in 0 1 2 3; do
  lines=$(wc -l <"$run/peer-$id/metrics.jsonl")
  ((lines == rounds)) || { echo "FAIL: peer $id wrote $lines rounds, not $rounds" >&2; exit 1; }
  grep -q '"peer": '"$id" "$run/peer-$id/config.json" || { echo "FAIL: peer-$id/config.json names another peer" >&2; exit 1; }
done
[[ -s "$run/report.html" ]] || { echo "FAIL: the batch script left no report" >&2; exit 1; }
echo "PASSED: 4 Slurm tasks trained $rounds rounds each and the report was written"
