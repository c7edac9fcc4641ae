#include "algorithms/aggregators/trimmed_mean.h"

#include <string>

#include "algorithms/aggregators/closed_neighbourhood.h"
#include "common/config_error.h"
#include "kernels/order_statistics.h"

namespace gossip {

AggregateReport TrimmedMean::aggregate(std::span<float> own, double self_weight,
                                       std::span<const Contribution> neighbours) {
  ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
  const auto trim = static_cast<std::size_t>(f_);
  if (closed.size() > 2 * trim) cpu::trimmed_mean(closed.values, trim, own.data(), own.size());
  return {std::move(closed.left_out)};
}

void TrimmedMean::check(std::size_t neighbourhood_size) const {
  if (2 * static_cast<std::size_t>(f_) >= neighbourhood_size) {
    throw ConfigError("training.aggregator.f: the trimmed mean drops the " + std::to_string(f_) + " largest and " +
                      std::to_string(f_) + " smallest of each coordinate, which leaves nothing of a peer's " +
                      std::to_string(neighbourhood_size) + " vectors (itself and " +
                      std::to_string(neighbourhood_size - 1) + " in-neighbours): f must be below " +
                      std::to_string((neighbourhood_size + 1) / 2));
  }
}

}  // namespace gossip
