#include "algorithms/aggregators/coordinate_median.h"

#include "algorithms/aggregators/closed_neighbourhood.h"
#include "kernels/order_statistics.h"

namespace gossip {

AggregateReport CoordinateMedian::aggregate(std::span<float> own, double self_weight,
                                            std::span<const Contribution> neighbours) {
  ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
  if (closed.size() > 1) cpu::coordinate_median(closed.values, own.data(), own.size());
  return {std::move(closed.left_out)};
}

}  // namespace gossip
