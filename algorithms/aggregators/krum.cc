#include "algorithms/aggregators/krum.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "algorithms/aggregators/closed_neighbourhood.h"
#include "common/config_error.h"
#include "kernels/distances.h"
#include "kernels/weighted_sum.h"

namespace gossip {

AggregateReport Krum::aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) {
  ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
  const std::size_t n = closed.size(), f = static_cast<std::size_t>(f_);
  if (n < f + 3) return {std::move(closed.left_out)};
  const std::vector<double> distances = cpu::pairwise_squared_distances(closed.values, own.size());
  std::vector<double> scores(n);
  std::vector<double> row(n - 1);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t r = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) row[r++] = distances[i * n + j];
    }
    const std::size_t nearest = n - f - 2;
    std::partial_sort(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(nearest), row.end());
    scores[i] = std::accumulate(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(nearest), 0.0);
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  const std::size_t chosen = std::min<std::size_t>(static_cast<std::size_t>(m_), n);
  std::vector<const float*> inputs;
  for (std::size_t k = 0; k < chosen; ++k) inputs.push_back(closed.values[order[k]]);
  // The own vector may be among the inputs; weighted_sum allows out to alias inputs[0] only.
  std::vector<float> result(own.size());
  const std::vector<double> weights(chosen, 1.0 / static_cast<double>(chosen));
  cpu::weighted_sum(inputs, weights, result.data(), own.size());
  std::copy(result.begin(), result.end(), own.begin());
  return {std::move(closed.left_out)};
}

void Krum::check(std::size_t neighbourhood_size) const {
  if (neighbourhood_size < static_cast<std::size_t>(f_) + 3) {
    throw ConfigError("training.aggregator.f: Krum scores each vector by its n - f - 2 nearest others, which needs "
                      "n >= f + 3 = " + std::to_string(f_ + 3) + ", but a peer has " +
                      std::to_string(neighbourhood_size) + " (itself and " + std::to_string(neighbourhood_size - 1) +
                      " in-neighbours)");
  }
}

}  // namespace gossip
