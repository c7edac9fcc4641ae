// The combine step of gossip: x_i <- sum_j w_ij x_j over the peer itself and the
// in-neighbours whose models arrived this round. A neighbour that missed the round is
// dropped from the mix and its weight goes to the peer's own model, so the weights still
// sum to 1 and the result is still an average.
#pragma once

#include <span>
#include <vector>

namespace gossip {

struct NeighbourModel {
  int peer = 0;
  double weight = 0;               // w_ij from row i of W
  std::span<const float> values;   // empty when the neighbour missed the round
};

struct MixResult {
  double self_weight = 0;      // w_ii plus the weights of the missing neighbours
  std::vector<int> missing;    // neighbours whose weight went to the peer itself
};

// Mixes in place into `own`. Throws std::invalid_argument when a received model's size
// differs from `own` (a peer must never mix a model of the wrong shape).
MixResult mix_models(std::span<float> own, double self_weight, std::span<const NeighbourModel> neighbours);

}  // namespace gossip
