// The coordinate-wise median of the closed neighbourhood (the peer and every neighbour
// whose vector came and is finite), unweighted: out_c = median of the x_jc. With an even
// count, the mean of the two middle values: a degree-1 peer with its neighbour present
// takes the midpoint of the two. A missing neighbour is left out of the count; alone, the
// peer keeps its own vector. Robust to fewer than half of the vectors being arbitrary, per
// coordinate: the result stays within the range of the others.
#pragma once

#include "algorithms/aggregator.h"

namespace gossip {

class CoordinateMedian final : public Aggregator {
 public:
  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override;
};

}  // namespace gossip
