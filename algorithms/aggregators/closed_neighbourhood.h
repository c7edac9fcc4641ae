// What every aggregator starts from: the peer's own vector and the neighbours' that can be
// used, i.e. that came, have the right size and hold only finite values. The others are
// left out, in order, and reported missing.
#pragma once

#include <span>
#include <vector>

#include "algorithms/aggregator.h"

namespace gossip {

struct ClosedNeighbourhood {
  std::vector<const float*> values;  // the own vector first, then the neighbours kept
  std::vector<double> weights;       // w_ii, then their w_ij
  std::vector<int> left_out;         // neighbours that are missing, or sent a non-finite value
  double left_out_weight = 0;        // the sum of their w_ij

  std::size_t size() const { return values.size(); }
};

// Throws std::invalid_argument when a present vector's size differs from `own`'s.
ClosedNeighbourhood closed_neighbourhood(std::span<const float> own, double self_weight,
                                         std::span<const Contribution> neighbours);

}  // namespace gossip
