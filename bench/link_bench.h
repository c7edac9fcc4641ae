// `gossip bench link`: throughput of one link, encrypted and plaintext, beside the two
// limits it cannot beat: a raw TCP socket pair, and sealing alone on one core (libsodium's
// AEAD, and the links' own record cipher). Two local peer processes by default, or two
// hosts of a topology file.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>  // --json output
#include <optional>
#include <string>
#include <vector>

namespace gossip::bench {

// Two hosts of a topology file: each runs the bench with its own id; the lower id sends
// and prints the table. The raw TCP baseline uses the receiver's port + 1.
struct RemoteLink {
  std::string topology_path;
  int id = 0, peer = 1;
  std::string key_path;  // empty: the default key path
  bool plaintext = false;
};

struct LinkBenchOptions {
  std::vector<std::size_t> sizes;  // bytes per message
  int max_repetitions = 40;        // per size; fewer for large sizes (at least 5)
  std::size_t chunk_bytes = std::size_t{256} << 10;  // payload bytes per record (the transport default)
  std::size_t batch_bytes = std::size_t{1} << 20;    // payload bytes per gather write (the transport default)
  std::optional<RemoteLink> remote;
};

// Medians in bytes per second; 0 where a column was not measured (across hosts only
// the chosen mode runs).
struct LinkBenchRow {
  std::size_t bytes = 0;
  int repetitions = 0;
  double raw_tcp = 0, plaintext = 0, aead = 0, record_cipher = 0, encrypted = 0;  // aead: libsodium's
};

struct LinkBenchReport {
  std::string cipher_suite;
  std::string where;  // "loopback" or "peer 0 -> peer 1 (host a -> host b)"
  std::vector<LinkBenchRow> rows;
  bool receiver_only = false;  // this process served the other host's measurement
};

// Locally, forks the receivers: call before the process starts any thread.
LinkBenchReport run_link_bench(const LinkBenchOptions& options, const std::function<void(const std::string&)>& progress);

std::string format_link_bench(const LinkBenchReport& report);
nlohmann::json link_bench_json(const LinkBenchReport& report);

}  // namespace gossip::bench
