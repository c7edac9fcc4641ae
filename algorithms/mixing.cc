#include "algorithms/mixing.h"

#include <stdexcept>
#include <string>

#include "kernels/weighted_sum.h"

namespace gossip {

MixResult mix_models(std::span<float> own, double self_weight, std::span<const NeighbourModel> neighbours) {
  MixResult result{self_weight, {}};
  std::vector<const float*> inputs{own.data()};
  std::vector<float> weights{0.0f};  // the self weight, filled in once the missing are known
  for (const auto& neighbour : neighbours) {
    if (neighbour.values.empty() && !own.empty()) {
      result.self_weight += neighbour.weight;
      result.missing.push_back(neighbour.peer);
      continue;
    }
    if (neighbour.values.size() != own.size()) {
      throw std::invalid_argument("peer " + std::to_string(neighbour.peer) + " sent a model of " +
                                  std::to_string(neighbour.values.size()) + " values, this peer's has " +
                                  std::to_string(own.size()));
    }
    inputs.push_back(neighbour.values.data());
    weights.push_back(static_cast<float>(neighbour.weight));
  }
  weights[0] = static_cast<float>(result.self_weight);
  cpu::weighted_sum(inputs, weights, own.data(), own.size());
  return result;
}

}  // namespace gossip
