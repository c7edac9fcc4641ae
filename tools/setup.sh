#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for gossip and builds it into build/ (or $GOSSIP_BUILD_DIR):
# installs the Debian packages that are missing, configures with CMake, builds.
# Extra CMake flags come from $GOSSIP_CMAKE_ARGS, e.g. "-DGOSSIP_CUDA=OFF"; $GOSSIP_BUILD_TARGETS,
# when set, builds only those targets (and what they need), e.g. for a sanitizer's test subset.
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
  python3-dev pybind11-dev  # the Python module gossip (runtime/python)
  python3-numpy      # its buffers: the model as a NumPy array, shared with torch
  python3-torch      # training a torch model with gossip.Peer (examples/torch_mnist, tests/python)
  python3-pytest     # the Python tests
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
configure_log=$(mktemp)
# shellcheck disable=SC2086  # GOSSIP_CMAKE_ARGS is a list of flags
if ! cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${GOSSIP_BUILD_TYPE:-Release}" ${GOSSIP_CMAKE_ARGS:-} \
  >"$configure_log" 2>&1; then
  cat "$configure_log" >&2
  rm -f "$configure_log"
  echo "setup: configuring $build_dir failed (above)" >&2
  exit 1
fi
grep -E '^-- gossip:' "$configure_log" || true
rm -f "$configure_log"
echo "setup: building $build_dir${GOSSIP_BUILD_TARGETS:+ (targets: $GOSSIP_BUILD_TARGETS)}"
if [ -n "${GOSSIP_BUILD_TARGETS:-}" ]; then
  # shellcheck disable=SC2086  # a list of targets
  cmake --build "$build_dir" --target $GOSSIP_BUILD_TARGETS
  echo "setup: done; built $GOSSIP_BUILD_TARGETS in $build_dir"
  exit 0
fi
cmake --build "$build_dir"

# `import gossip` for Debian's python3 (whose python3-torch is the one installed above), and for
# the python3 on PATH when it is another interpreter of the same version (pyenv): a .pth
# file naming the build's python/ folder.
if [ -f "$build_dir/python/gossip/__init__.py" ]; then
  package_dir=$(cd "$build_dir/python" && pwd)
  for python in /usr/bin/python3 "$(command -v python3 || true)"; do
    [ -x "$python" ] || continue
    "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || continue
    site_dir=$("$python" -c 'import site; print(site.getsitepackages()[0])')
    sudo=""
    if [ ! -w "$(dirname "$site_dir")" ] && [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
    $sudo mkdir -p "$site_dir" && echo "$package_dir" | $sudo tee "$site_dir/gossip.pth" >/dev/null
  done
  /usr/bin/python3 -c 'import gossip' && echo "setup: python3 -c 'import gossip' works (Debian's /usr/bin/python3)"
fi
echo "setup: done; the binary is $build_dir/gossip"
