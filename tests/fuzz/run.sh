#!/usr/bin/env bash
# Builds the libFuzzer targets with Clang in build-fuzz/ and runs each for a bounded
# time, growing a corpus under build-fuzz/fuzz/<name>/. Exits non-zero if a fuzzer
# finds a crash, a sanitizer report, a hang or an out-of-memory; the input that did it
# is in build-fuzz/fuzz/<name>/artifacts/ and replays with: build-fuzz/tests/fuzz/<name> FILE
#
#   GOSSIP_FUZZ_SECONDS  seconds per fuzzer (default 60)
#   GOSSIP_FUZZ_BUILD    build folder (default build-fuzz at the repository root)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${GOSSIP_FUZZ_SECONDS:-60}"
build="${GOSSIP_FUZZ_BUILD:-$root/build-fuzz}"
fuzzers=(frame_decoder_fuzz handshake_fuzz payload_fuzz topology_fuzz)

# Whether clang++ can link a libFuzzer target, i.e. compiler and fuzzer runtime are there.
can_fuzz() {
  command -v clang++ >/dev/null 2>&1 || return 1
  local probe
  probe="$(mktemp -d)"
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/probe.cc"
  local status=0
  clang++ -fsanitize=fuzzer,address,undefined "$probe/probe.cc" -o "$probe/probe" >/dev/null 2>&1 || status=1
  rm -rf "$probe"
  return $status
}

if ! can_fuzz; then
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "run.sh: installing clang and the libFuzzer runtime with apt-get" >&2
  $sudo apt-get update -q
  $sudo apt-get install -y -q clang
  # The runtime package is versioned like the compiler apt just gave us.
  major="$(clang++ -dumpversion | cut -d. -f1)"
  $sudo apt-get install -y -q "libclang-rt-${major}-dev"
  can_fuzz || { echo "run.sh: clang++ still cannot link -fsanitize=fuzzer" >&2; exit 2; }
fi

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGOSSIP_CUDA=OFF -DGOSSIP_NCCL=OFF -DGOSSIP_TESTS=OFF \
  -DGOSSIP_FUZZ=ON -DGOSSIP_SANITIZE=fuzzer-no-link,address,undefined >/dev/null
cmake --build "$build" --target "${fuzzers[@]}"

export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
failed=0
for name in "${fuzzers[@]}"; do
  work="$build/fuzz/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  log="$work/last-run.log"
  seeds=()
  if [[ -d "$root/tests/fuzz/seeds/$name" ]]; then seeds=("$root/tests/fuzz/seeds/$name"); fi
  # New inputs go to the first folder only, so the checked-in seeds stay untouched.
  status=0
  "$build/tests/fuzz/$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "$work/corpus" "${seeds[@]}" >"$log" 2>&1 || status=$?
  # A crash while loading the corpus leaves no stats, hence the `|| true`s.
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  corpus="$(find "$work/corpus" -type f | wc -l)"
  cov="$( (grep -oE 'cov: [0-9]+' "$log" || true) | tail -1 | cut -d' ' -f2)"
  if [[ $status -eq 0 ]]; then
    echo "$name: ok, ${runs:-?} runs in ${seconds} s, coverage ${cov:-?} edges, corpus $corpus inputs"
  else
    failed=1
    artifact="$( (grep -oE '(crash|leak|timeout|oom|slow-unit)-[0-9a-f]+' "$log" || true) | tail -1)"
    echo "$name: FAILED (exit $status) after ${runs:-?} runs: ${artifact:+$work/artifacts/$artifact, }log $log"
    # CI keeps only what is printed, so show the report that says why.
    grep -E -A25 'ERROR: |runtime error|SUMMARY|not a ConfigError' "$log" | head -60 | sed 's/^/    /' || true
  fi
done
exit $failed
