// The geometric median of the closed neighbourhood (the peer and every neighbour whose
// vector came and is finite), unweighted: argmin_z sum_j ||z - x_j||, by smoothed Weiszfeld
// iterations (Pillutla, Kakade and Harchaoui 2022) from the coordinate mean:
//   z <- sum_j b_j x_j / sum_j b_j,   b_j = 1 / max(nu, ||z - x_j||)
// `iterations` times (default 8), nu = `smoothing` (default 1e-6). Robust to fewer than
// half of the vectors being arbitrary. A missing neighbour is left out; alone, the peer
// keeps its own vector.
#pragma once

#include "algorithms/aggregator.h"

namespace gossip {

class GeometricMedian final : public Aggregator {
 public:
  GeometricMedian(int iterations, double smoothing) : iterations_(iterations), smoothing_(smoothing) {}
  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override;

 private:
  int iterations_;
  double smoothing_;
};

}  // namespace gossip
