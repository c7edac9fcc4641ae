#include "algorithms/aggregators/nearest_neighbour_mixing.h"

#include <algorithm>
#include <numeric>

#include "algorithms/aggregators/closed_neighbourhood.h"
#include "kernels/distances.h"
#include "kernels/weighted_sum.h"

namespace gossip {

AggregateReport NearestNeighbourMixing::aggregate(std::span<float> own, double self_weight,
                                                  std::span<const Contribution> neighbours) {
  ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
  const std::size_t n = closed.size(), length = own.size();
  if (n <= static_cast<std::size_t>(f_)) return inner_->aggregate(own, self_weight, neighbours);
  const std::size_t nearest = n - static_cast<std::size_t>(f_);
  const std::vector<double> distances = cpu::pairwise_squared_distances(closed.values, length);
  mixed_.resize(std::max(mixed_.size(), n));
  const std::vector<double> weights(nearest, 1.0 / static_cast<double>(nearest));
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return distances[i * n + a] < distances[i * n + b]; });
    std::vector<const float*> inputs;
    for (std::size_t k = 0; k < nearest; ++k) inputs.push_back(closed.values[order[k]]);
    mixed_[i].resize(length);
    cpu::weighted_sum(inputs, weights, mixed_[i].data(), length);
  }
  // The inner aggregator sees the mixed vectors in the same places, the left-out ones absent.
  std::vector<Contribution> mixed_neighbours;
  std::size_t next = 1;
  for (const auto& neighbour : neighbours) {
    const bool kept = std::find(closed.left_out.begin(), closed.left_out.end(), neighbour.peer) == closed.left_out.end();
    mixed_neighbours.push_back({neighbour.peer, neighbour.weight, kept ? std::span<const float>(mixed_[next++]) : std::span<const float>()});
  }
  std::copy(mixed_[0].begin(), mixed_[0].end(), own.begin());
  AggregateReport report = inner_->aggregate(own, self_weight, mixed_neighbours);
  report.missing = std::move(closed.left_out);
  return report;
}

}  // namespace gossip
