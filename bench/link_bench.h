// `gossip bench link`: throughput of one link between two local peer processes, for
// message sizes from 64 KiB up, encrypted and plaintext, beside the two limits it
// cannot beat: a raw TCP socket pair, and libsodium's AEAD on one core of this CPU.
#pragma once

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>  // --json output
#include <string>
#include <vector>

namespace gossip::bench {

struct LinkBenchOptions {
  std::vector<std::size_t> sizes;  // bytes per message
  int max_repetitions = 40;        // per size; fewer for large sizes (min 5)
  std::size_t chunk_bytes = std::size_t{256} << 10;  // payload bytes per record (the transport default)
  std::size_t batch_bytes = std::size_t{1} << 20;    // payload bytes per gather write (the transport default)
};

// Medians in bytes per second; ratios are taken against the limits.
struct LinkBenchRow {
  std::size_t bytes = 0;
  int repetitions = 0;
  double raw_tcp = 0, plaintext = 0, aead = 0, record_cipher = 0, encrypted = 0;  // aead: libsodium's
};

struct LinkBenchReport {
  std::string cipher_suite;
  std::vector<LinkBenchRow> rows;
};

// Forks one child per mode; call before the process starts any thread.
LinkBenchReport run_link_bench(const LinkBenchOptions& options, const std::function<void(const std::string&)>& progress);

std::string format_link_bench(const LinkBenchReport& report);
nlohmann::json link_bench_json(const LinkBenchReport& report);

}  // namespace gossip::bench
