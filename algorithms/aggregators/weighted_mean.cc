#include "algorithms/aggregators/weighted_mean.h"

#include "algorithms/aggregators/closed_neighbourhood.h"
#include "kernels/weighted_sum.h"

namespace gossip {

AggregateReport WeightedMean::aggregate(std::span<float> own, double self_weight,
                                        std::span<const Contribution> neighbours) {
  ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
  closed.weights[0] += closed.left_out_weight;
  cpu::weighted_sum(closed.values, closed.weights, own.data(), own.size());
  return {std::move(closed.left_out)};
}

}  // namespace gossip
