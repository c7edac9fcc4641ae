// One round's line of a peer's metrics (RUN/peer-I/metrics.jsonl), the same whoever runs
// the peer (the peer loop, a Python script), so `gossip report` reads every run alike.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <utility>
#include <vector>

#include "transport/transport.h"

namespace gossip {

// What one round did.
struct RoundTotals {
  double loss_sum = 0;
  int steps = 0, correct = 0, count = 0;
  Clock::duration compute{}, sending{}, exchange{};
  uint64_t payload_bytes = 0;
  std::vector<int> missing, late;
  std::vector<std::pair<int, int64_t>> ahead;
  Clock::duration deadline{};

  double loss() const { return steps > 0 ? loss_sum / steps : 0.0; }
};

double seconds(Clock::duration d);

// `elapsed`: since the peer started; `before` and `after`: the transport's counters around
// the round.
nlohmann::json round_line(int64_t round, Clock::duration elapsed, double learning_rate, const RoundTotals& totals,
                          const TransportStats& before, const TransportStats& after);

// The evaluated model's sketch for `round`'s line (runtime/sketch.h), where sketch_size > 0.
void add_sketch(nlohmann::json& line, std::span<const float> model, int sketch_size, uint64_t run_seed);

}  // namespace gossip
