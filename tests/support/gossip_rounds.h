// Plain gossip rounds for tests: the `atc` rule with a local step that does nothing, so a
// round is exactly one combine x_i <- sum_j w_ij x_j through the algorithm seam.
#pragma once

#include <memory>

#include "algorithms/registry.h"
#include "runtime/algorithm_round.h"
#include "topology/topology.h"

namespace gossip::testing {

struct NoSteps final : LocalTraining {
  void step(std::span<float>) override {}
};

class GossipPeer {
 public:
  GossipPeer(int self, std::size_t parameters) : self_(self), rule_(make_algorithm({}, self, parameters, 1)) {}
  RoundReport round(Transport& transport, const Topology& topology, int64_t round, std::span<float> model,
                    Clock::duration timeout) {
    const Neighbourhood neighbourhood = neighbourhood_of(topology.weights(round), self_);
    NoSteps none;
    RoundContext context{round, 0.0, neighbourhood, model, none};
    return run_algorithm_round(*rule_, transport, context, timeout);
  }

 private:
  int self_;
  std::unique_ptr<Algorithm> rule_;
};

}  // namespace gossip::testing
