// A test peer: loads a topology file and a key, then exchanges known buffers with its
// neighbours in rounds paced by a shared wall clock (round r starts at epoch + r * period),
// so a restarted or resumed peer rejoins at the current round. Prints one JSON line per
// round: which in-neighbours were missing or sent wrong bytes, and how long it took.
#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime/peer_network.h"
#include "support/payload_pattern.h"

using namespace gossip;
using namespace std::chrono;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"gossip transport test peer"};
  std::string topology_path, key_path;
  int id = 0, rounds = 10, round_ms = 100, deadline_ms = 80;
  int64_t epoch_ms = 0;
  std::vector<size_t> sizes{0, 1, 999, 70001};
  size_t chunk_bytes = 16384;
  bool plaintext = false;
  app.add_option("topology", topology_path)->required();
  app.add_option("--id", id)->required();
  app.add_option("--key", key_path)->required();
  app.add_option("--rounds", rounds);
  app.add_option("--epoch-ms", epoch_ms)->required();
  app.add_option("--round-ms", round_ms);
  app.add_option("--deadline-ms", deadline_ms);
  app.add_option("--sizes", sizes)->delimiter(',');
  app.add_option("--chunk-bytes", chunk_bytes);
  app.add_flag("--plaintext", plaintext);
  CLI11_PARSE(app, argc, argv);

  try {
    LoadedTopology loaded = load_topology(topology_path);
    NetworkSettings settings;
    settings.plaintext = plaintext;
    settings.chunk_bytes = chunk_bytes;
    settings.max_message_bytes = *std::max_element(sizes.begin(), sizes.end());
    settings.keepalive_interval = milliseconds(200);
    settings.dead_after = milliseconds(1000);
    settings.handshake_timeout = milliseconds(2000);
    TcpTransport transport(tcp_options_for(loaded, id, load_identity(key_path), settings));
    auto epoch = system_clock::time_point(milliseconds(epoch_ms));
    auto start_of = [&](int64_t round) { return epoch + milliseconds(round * round_ms); };
    std::vector<uint8_t> payload;
    for (int64_t round = 0; round < rounds; ++round) {
      if (system_clock::now() > start_of(round + 1)) continue;  // behind (just started or resumed): catch up
      std::this_thread::sleep_until(start_of(round));
      const MixingMatrix& weights = loaded.topology.weights(round);
      payload.resize(sizes[round % sizes.size()]);
      testing::fill_pattern(payload, id, round);
      std::vector<Outgoing> sends;
      for (int peer : weights.out_neighbours(id)) sends.push_back({peer, payload, 0});
      const auto& from = weights.in_neighbours(id);
      auto began = steady_clock::now();
      auto deadline = began + milliseconds(deadline_ms) - (system_clock::now() - start_of(round));
      ExchangeResult result = transport.exchange({round, 1, sends, from, deadline});
      double took_ms = duration<double, std::milli>(steady_clock::now() - began).count();
      double allowed_ms = duration<double, std::milli>(deadline - began).count();
      std::vector<int> bad;
      for (const auto& incoming : result.received) {
        if (incoming.payload.size() != payload.size() ||
            !testing::matches_pattern(incoming.payload.data(), incoming.payload.size(), incoming.peer, round)) {
          bad.push_back(incoming.peer);
        }
      }
      nlohmann::json line = {{"round", round},  {"missing", result.missing}, {"bad", bad},
                             {"received", result.received.size()}, {"took_ms", took_ms}, {"allowed_ms", allowed_ms}};
      std::printf("%s\n", line.dump().c_str());
      std::fflush(stdout);
    }
    TransportStats stats = transport.stats();
    std::printf("%s\n", nlohmann::json({{"done", true}, {"links_up", stats.links_up}, {"late", stats.messages_late},
                                        {"refused", stats.handshakes_refused}}).dump().c_str());
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "exchange_peer %d: %s\n", id, error.what());
    return 1;
  }
}
