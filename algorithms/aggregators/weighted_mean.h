// The weighted mean, plain gossip's combine: own <- w_ii own + sum_j w_ij x_j. A neighbour
// that is missing (or sent a non-finite value) is dropped and its weight goes to the own
// vector, so the weights still sum to 1 and the result is still an average (and a doubly
// stochastic W still keeps the network's average). Not robust: one neighbour moves the
// result as far as it likes.
#pragma once

#include "algorithms/aggregator.h"

namespace gossip {

class WeightedMean final : public Aggregator {
 public:
  AggregateReport aggregate(std::span<float> own, double self_weight,
                            std::span<const Contribution> neighbours) override;
};

}  // namespace gossip
