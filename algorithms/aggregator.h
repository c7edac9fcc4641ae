// The Aggregator seam: how a peer combines its own vector with what its in-neighbours sent
// this round (its closed neighbourhood, nothing more). The weighted mean is plain gossip;
// robust rules (median, trimmed mean, clipping, Krum, the geometric median) bound what a
// lying neighbour can do. Every aggregator refuses a neighbour's vector that holds a NaN or
// an infinity as if it had not come, so a non-finite value never reaches the model.
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
  std::vector<int> missing;  // neighbours left out: absent, or refused (non-finite), in input order
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
  // Throws ConfigError (naming training.aggregator) when this aggregator cannot work on a
  // closed neighbourhood of this many vectors (the peer and its in-neighbours): checked for
  // every peer and round before training starts.
  virtual void check(std::size_t neighbourhood_size) const { (void)neighbourhood_size; }
};

}  // namespace gossip
