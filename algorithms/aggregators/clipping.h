// Self-centred clipping (ClippedGossip: He, Karimireddy and Jaggi 2022):
//
//   x_i <- x_i + sum_j w_ij clip(x_j - x_i, tau),   clip(v, tau) = v min(1, tau / ||v||)
//
// over the in-neighbours whose vectors came and are finite; a missing one adds nothing
// (its weight stays on x_i). So a neighbour moves the peer by at most w_ij tau, whatever it
// sends. tau is fixed (`tau`), or adaptive (`f`): each round the f farthest present
// neighbours are clipped to the distance of the next farthest, tau = the (f+1)-th largest
// ||x_j - x_i|| (with uniform weights, the paper's rule of clipping the neighbours that hold
// the Byzantine weight); with f or fewer neighbours present, tau = 0 and the peer stays.
// Unlike the median or trimmed mean, it needs no honest majority among a peer's neighbours,
// only that the Byzantine weight is small.
#pragma once

#include <optional>

#include "algorithms/aggregator.h"
#include "kernels/float_buffer.h"

namespace gossip {

class SelfCentredClipping final : public Aggregator {
 public:
  // Exactly one of them: a fixed radius, or f for the adaptive rule.
  SelfCentredClipping(std::optional<double> tau, std::optional<int> f) : tau_(tau), f_(f) {}
  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override;

 private:
  std::optional<double> tau_;
  std::optional<int> f_;
  FloatBuffer start_;  // x_i before the round's moves
};

}  // namespace gossip
