// The Aggregator seam: how a peer combines its own vector with what its in-neighbours sent
// this round (its closed neighbourhood, nothing more). The weighted mean is plain gossip;
// robust rules (median, trimmed mean, clipping) bound what a lying neighbour can do.
#pragma once

#include <span>
#include <vector>

namespace gossip {

struct Contribution {
  int peer = 0;
  double weight = 0;              // w_ij from row i of W(r)
  std::span<const float> values;  // empty when the neighbour's message is missing or rejected
};

struct AggregateReport {
  double self_weight = 0;    // the weight the own vector ended up with
  std::vector<int> missing;  // neighbours left out of the result, ascending by position in the input
};

class Aggregator {
 public:
  virtual ~Aggregator() = default;
  // Replaces `own` with the combination of itself (weight `self_weight`, w_ii) and the
  // neighbours. Each implementation documents what it does with a missing neighbour.
  // Throws std::invalid_argument when a present contribution's size differs from `own`
  // (a peer must never mix a vector of the wrong shape).
  virtual AggregateReport aggregate(std::span<float> own, double self_weight,
                                    std::span<const Contribution> neighbours) = 0;
};

}  // namespace gossip
