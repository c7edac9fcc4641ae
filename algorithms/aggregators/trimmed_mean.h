// The coordinate-wise trimmed mean of the closed neighbourhood (the peer and every
// neighbour whose vector came and is finite), unweighted: per coordinate, the f largest and
// the f smallest values are dropped and the rest averaged. Robust to f arbitrary vectors:
// the result stays within the range of the others. The topology must give every peer at
// least 2f + 1 vectors (itself and 2f neighbours), or the run is refused before it starts;
// in a round where missing neighbours leave fewer, the peer keeps its own vector.
#pragma once

#include "algorithms/aggregator.h"

namespace gossip {

class TrimmedMean final : public Aggregator {
 public:
  explicit TrimmedMean(int f) : f_(f) {}
  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override;
  void check(std::size_t neighbourhood_size) const override;

 private:
  int f_;
};

}  // namespace gossip
