// Krum and multi-Krum (Blanchard et al. 2017) on the closed neighbourhood (the peer and
// every neighbour whose vector came and is finite, n in all), unweighted: each vector's
// score is the sum of its squared distances to its n - f - 2 nearest others; the m vectors
// with the lowest scores (ties to the earlier: the peer itself first) are averaged (m = 1:
// Krum picks one). The topology must give every peer n >= f + 3, or the run is refused
// before it starts; in a round where missing neighbours leave fewer, the peer keeps its own.
#pragma once

#include "algorithms/aggregator.h"

namespace gossip {

class Krum final : public Aggregator {
 public:
  Krum(int f, int m) : f_(f), m_(m) {}
  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override;
  void check(std::size_t neighbourhood_size) const override;

 private:
  int f_, m_;
};

}  // namespace gossip
