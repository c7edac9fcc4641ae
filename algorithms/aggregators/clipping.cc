#include "algorithms/aggregators/clipping.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "algorithms/aggregators/closed_neighbourhood.h"
#include "kernels/distances.h"
#include "kernels/weighted_sum.h"

namespace gossip {

AggregateReport SelfCentredClipping::aggregate(std::span<float> own, double self_weight,
                                               std::span<const Contribution> neighbours) {
  ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
  const std::size_t length = own.size(), present = closed.size() - 1;
  start_.assign(own.begin(), own.end());
  std::vector<double> distances(present);
  for (std::size_t j = 0; j < present; ++j) {
    distances[j] = std::sqrt(cpu::squared_distance(closed.values[j + 1], start_.data(), length));
  }
  double tau = tau_.value_or(0.0);
  if (f_) {
    std::vector<double> sorted = distances;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    const auto f = static_cast<std::size_t>(*f_);
    tau = present > f ? sorted[f] : 0.0;
  }
  for (std::size_t j = 0; j < present; ++j) {
    // w_ij clip(x_j - x_i, tau), with x_i the peer's vector before any neighbour moved it.
    const double scale = closed.weights[j + 1] * (distances[j] > tau ? tau / distances[j] : 1.0);
    cpu::add_scaled_difference(own.data(), static_cast<float>(scale), closed.values[j + 1], start_.data(), length);
  }
  return {std::move(closed.left_out)};
}

}  // namespace gossip
