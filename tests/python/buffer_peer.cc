// The C++ side of the Python tests' bit-for-bit comparison: one peer that gossips a buffer
// read from a file through the runtime's ScriptPeer, exactly as a Python script's gossip.Peer
// does (tests/python/buffer_peer.py is its twin). Its peer comes from the environment that
// `gossip launch` sets; RUN/input-I.f32 holds the model and, for gradient tracking, RUN/
// target-I.f32 the b of its objective 0.5 |x - b|^2; it writes RUN/output-I.f32.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "runtime/script_peer.h"

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::vector<float> read_floats(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

}  // namespace

int main() {
  try {
    gossip::PeerOptions options;
    options.topology_path = env("GOSSIP_TOPOLOGY");
    options.id = std::stoi(env("GOSSIP_PEER_ID"));
    options.key_path = env("GOSSIP_KEY");
    options.run_dir = env("GOSSIP_RUN_DIR");
    const std::string suffix = "-" + std::to_string(options.id) + ".f32";
    std::vector<float> model = read_floats(options.run_dir / ("input" + suffix));
    const std::vector<float> target = read_floats(options.run_dir / ("target" + suffix));
    gossip::ScriptPeer peer(options);
    peer.start(model, std::nullopt);
    gossip::ScriptRoundInput input;
    input.step = [&](std::span<float> x) {  // one gradient step at 0.1
      for (std::size_t k = 0; k < x.size(); ++k) x[k] -= 0.1f * (x[k] - target[k]);
    };
    input.gradient = [&](std::span<const float> at, std::span<float> out) {
      for (std::size_t k = 0; k < at.size(); ++k) out[k] = at[k] - target[k];
    };
    if (!env("GOSSIP_NO_STEPS").empty()) input = {};  // bench/python_overhead.sh: mixing only
    while (!peer.done()) peer.round(model, input);
    peer.finish(model);
    std::ofstream out(options.run_dir / ("output" + suffix), std::ios::binary);
    out.write(reinterpret_cast<const char*>(model.data()), static_cast<std::streamsize>(model.size() * sizeof(float)));
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "buffer_peer: %s\n", error.what());
    return 1;
  }
}
