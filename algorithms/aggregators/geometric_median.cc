#include "algorithms/aggregators/geometric_median.h"

#include <algorithm>
#include <cmath>

#include "algorithms/aggregators/closed_neighbourhood.h"
#include "kernels/distances.h"
#include "kernels/weighted_sum.h"

namespace gossip {

AggregateReport GeometricMedian::aggregate(std::span<float> own, double self_weight,
                                           std::span<const Contribution> neighbours) {
  ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
  const std::size_t n = closed.size(), length = own.size();
  if (n == 1) return {std::move(closed.left_out)};
  std::vector<float> z(length), next(length);
  std::vector<double> weights(n, 1.0 / static_cast<double>(n));
  cpu::weighted_sum(closed.values, weights, z.data(), length);
  for (int iteration = 0; iteration < iterations_; ++iteration) {
    double total = 0;
    for (std::size_t j = 0; j < n; ++j) {
      weights[j] = 1.0 / std::max(smoothing_, std::sqrt(cpu::squared_distance(z.data(), closed.values[j], length)));
      total += weights[j];
    }
    for (double& weight : weights) weight /= total;
    cpu::weighted_sum(closed.values, weights, next.data(), length);
    std::swap(z, next);
  }
  std::copy(z.begin(), z.end(), own.begin());
  return {std::move(closed.left_out)};
}

}  // namespace gossip
