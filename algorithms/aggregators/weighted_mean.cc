#include "algorithms/aggregators/weighted_mean.h"

#include <stdexcept>
#include <string>

#include "kernels/weighted_sum.h"

namespace gossip {

AggregateReport WeightedMean::aggregate(std::span<float> own, double self_weight,
                                        std::span<const Contribution> neighbours) {
  AggregateReport report{self_weight, {}};
  std::vector<const float*> inputs{own.data()};
  std::vector<double> weights{0.0};  // the self weight, filled in once the missing are known
  for (const auto& neighbour : neighbours) {
    if (neighbour.values.empty() && !own.empty()) {
      report.self_weight += neighbour.weight;
      report.missing.push_back(neighbour.peer);
      continue;
    }
    if (neighbour.values.size() != own.size()) {
      throw std::invalid_argument("peer " + std::to_string(neighbour.peer) + " sent a vector of " +
                                  std::to_string(neighbour.values.size()) + " values, this peer's has " +
                                  std::to_string(own.size()));
    }
    inputs.push_back(neighbour.values.data());
    weights.push_back(neighbour.weight);
  }
  weights[0] = report.self_weight;
  cpu::weighted_sum(inputs, weights, own.data(), own.size());
  return report;
}

}  // namespace gossip
