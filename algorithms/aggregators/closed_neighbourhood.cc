#include "algorithms/aggregators/closed_neighbourhood.h"

#include <stdexcept>
#include <string>

#include "kernels/distances.h"

namespace gossip {

ClosedNeighbourhood closed_neighbourhood(std::span<const float> own, double self_weight,
                                         std::span<const Contribution> neighbours) {
  ClosedNeighbourhood closed;
  closed.values.push_back(own.data());
  closed.weights.push_back(self_weight);
  for (const auto& neighbour : neighbours) {
    const bool absent = neighbour.values.empty() && !own.empty();
    if (!absent && neighbour.values.size() != own.size()) {
      throw std::invalid_argument("peer " + std::to_string(neighbour.peer) + " sent a vector of " +
                                  std::to_string(neighbour.values.size()) + " values, this peer's has " +
                                  std::to_string(own.size()));
    }
    if (absent || !cpu::all_finite(neighbour.values.data(), neighbour.values.size())) {
      closed.left_out.push_back(neighbour.peer);
      closed.left_out_weight += neighbour.weight;
      continue;
    }
    closed.values.push_back(neighbour.values.data());
    closed.weights.push_back(neighbour.weight);
  }
  return closed;
}

}  // namespace gossip
