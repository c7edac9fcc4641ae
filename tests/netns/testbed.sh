#!/usr/bin/env bash
# A multi-host test bed on one machine: one Linux network namespace per host, each with its
# own address on a private bridge, so peers talk over real (virtual) Ethernet and a test can
# cut, slow or kill one host without touching the others. Needs root and iproute2.
#
#   testbed.sh up NAME HOSTS [RATE]   make hosts 0..HOSTS-1 (RATE: each host's link, e.g.
#                                     100mbit or 1gbit, both directions; none: unlimited)
#   testbed.sh exec NAME I CMD...     run CMD on host I
#   testbed.sh link NAME I down|up    cut or restore host I's link
#   testbed.sh cut NAME I J           cut the path between hosts I and J alone (both ways)
#   testbed.sh mend NAME I J          restore it
#   testbed.sh rate NAME I RATE|none  change host I's link limit
#   testbed.sh address NAME I         print host I's address
#   testbed.sh down NAME              kill everything on the hosts, remove them (idempotent)
#
# Host I has the address 198.18.0.(I+1)/24 on eth0: 198.18.0.0/15 is reserved for benchmarking
# (RFC 2544). The bridge lives in a namespace of its own (NAME-switch), so nothing is added to
# the machine's own network namespace: no interface, no address, no route. The hosts have no
# default route, so a packet for any other address has nowhere to go.
#
# Links are shaped with tbf (a token bucket) on both ends of each host's veth pair. Only
# bandwidth is modelled: netem is not available here, so there is no propagation delay, only
# the queueing delay a full bucket causes (at most 50 ms by tbf's latency bound, then drops).
set -euo pipefail

netns_prefix() { echo "gsp-$1"; }
host_ns() { echo "$(netns_prefix "$1")-h$2"; }
switch_ns() { echo "$(netns_prefix "$1")-switch"; }
host_address() { echo "198.18.0.$(($2 + 1))"; }

die() {
  echo "testbed: $*" >&2
  exit 2
}

# tbf needs a burst of at least one rate/HZ tick's bytes; 10 ms of the rate, at least 32 KiB.
shape() {
  local ns="$1" dev="$2" rate="$3"
  ip -n "$ns" link set "$dev" up
  tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null || true
  [[ "$rate" == none ]] && return 0
  local bits
  case "$rate" in
    *gbit) bits=$((${rate%gbit} * 1000000000)) ;;
    *mbit) bits=$((${rate%mbit} * 1000000)) ;;
    *kbit) bits=$((${rate%kbit} * 1000)) ;;
    *) die "rate \"$rate\": give it as Nkbit, Nmbit or Ngbit" ;;
  esac
  local burst=$((bits / 8 / 100))
  ((burst < 32768)) && burst=32768
  tc -n "$ns" qdisc add dev "$dev" root tbf rate "$rate" burst "$burst" latency 50ms
}

cmd_down() {
  local name="$1" ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$(netns_prefix "$name")-(h[0-9]+|switch)$" || true); do
    # Whatever still runs there (peers a failed test left) dies with its host.
    local pids
    pids="$(ip netns pids "$ns" 2>/dev/null || true)"
    [[ -n "$pids" ]] && kill -9 $pids 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
}

cmd_up() {
  local name="$1" hosts="$2" rate="${3:-none}"
  [[ "$hosts" =~ ^[0-9]+$ ]] && ((hosts >= 1 && hosts <= 250)) || die "HOSTS must be 1..250, got \"$hosts\""
  [[ $(id -u) -eq 0 ]] || die "needs root (ip netns)"
  cmd_down "$name"
  local switch
  switch="$(switch_ns "$name")"
  ip netns add "$switch"
  ip -n "$switch" link add br0 type bridge
  ip -n "$switch" link set br0 up
  for ((i = 0; i < hosts; i++)); do
    local ns
    ns="$(host_ns "$name" "$i")"
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Made inside the switch namespace, the pair's ends never appear in the machine's own.
    ip -n "$switch" link add "h$i" type veth peer name eth0 netns "$ns"
    ip -n "$switch" link set "h$i" master br0
    ip -n "$ns" addr add "$(host_address "$name" "$i")/24" dev eth0
    shape "$ns" eth0 "$rate"
    shape "$switch" "h$i" "$rate"
  done
}

cmd_exec() {
  local name="$1" i="$2"
  shift 2
  exec ip netns exec "$(host_ns "$name" "$i")" "$@"
}

cmd_link() {
  local name="$1" i="$2" state="$3"
  [[ "$state" == up || "$state" == down ]] || die "link state must be up or down, got \"$state\""
  ip -n "$(switch_ns "$name")" link set "h$i" "$state"
}

# A cut path drops every packet between the two hosts, as a broken route would: blackhole
# routes on both ends, so nothing is refused or answered, packets just vanish.
cmd_cut() {
  local name="$1" i="$2" j="$3" verb="$4"
  ip -n "$(host_ns "$name" "$i")" route "$verb" blackhole "$(host_address "$name" "$j")/32"
  ip -n "$(host_ns "$name" "$j")" route "$verb" blackhole "$(host_address "$name" "$i")/32"
}

cmd_rate() {
  local name="$1" i="$2" rate="$3"
  shape "$(host_ns "$name" "$i")" eth0 "$rate"
  shape "$(switch_ns "$name")" "h$i" "$rate"
}

[[ $# -ge 2 ]] || die "usage: testbed.sh up|exec|link|cut|mend|rate|address|down NAME ..."
verb="$1"
shift
case "$verb" in
  up) cmd_up "$@" ;;
  down) cmd_down "$@" ;;
  exec) cmd_exec "$@" ;;
  link) cmd_link "$@" ;;
  rate) cmd_rate "$@" ;;
  cut) cmd_cut "$@" add ;;
  mend) cmd_cut "$@" del ;;
  address) host_address "$@" ;;
  *) die "unknown verb \"$verb\" (up, exec, link, cut, mend, rate, address, down)" ;;
esac
