# Sourced by the tests in this folder, after `set -euo pipefail`, with the gossip binary as
# $1 and a short name for the test bed as $test_name: sets gossip, testbed, name and work,
# removes the hosts and the work folder however the test ends, and skips (exit 77) where
# network namespaces cannot be made: not root, or no iproute2.
gossip="$(realpath "$1")"
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
testbed="$source_dir/tests/netns/testbed.sh"
name="$test_name$$"
work="$(mktemp -d)"
cleanup() {
  "$testbed" down "$name" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ $(id -u) -ne 0 ]] || ! command -v ip >/dev/null || ! ip netns add "gsp-$name-probe" 2>/dev/null; then
  echo "SKIPPED: network namespaces need root and iproute2"
  exit 77
fi
ip netns del "gsp-$name-probe"
