#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for gossip and builds it into build/ (or $GOSSIP_BUILD_DIR):
# installs the Debian packages that are missing, configures with CMake, builds.
# Extra CMake flags come from $GOSSIP_CMAKE_ARGS, e.g. "-DGOSSIP_CUDA=OFF".
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build pkg-config git  # toolchain
  libasio-dev        # standalone Asio: TCP transport
  libsodium-dev      # Ed25519, X25519, BLAKE2b, ChaCha20-Poly1305
  libssl-dev         # AES-256-GCM for link records (OpenSSL's is about 2x libsodium's here)
  libeigen3-dev      # CPU kernels, spectral gaps
  nlohmann-json3-dev # topology files, metrics
  libcli11-dev       # the gossip command line
  libjs-chart.js     # the charts of gossip report, inlined into its pages
  zlib1g-dev         # reading the gzipped dataset files
  doctest-dev        # unit tests
  dataset-fashion-mnist  # the MLP task's data, in /usr/share/datasets/fashion-mnist
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build_dir=${GOSSIP_BUILD_DIR:-build}
echo "setup: configuring $build_dir"
# shellcheck disable=SC2086  # GOSSIP_CMAKE_ARGS is a list of flags
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${GOSSIP_BUILD_TYPE:-Release}" ${GOSSIP_CMAKE_ARGS:-} \
  | grep -E '^-- gossip:|Error|error' || true
echo "setup: building $build_dir"
cmake --build "$build_dir"
echo "setup: done; the binary is $build_dir/gossip"
