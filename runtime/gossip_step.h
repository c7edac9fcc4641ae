// One gossip round of a peer: send its model to its out-neighbours of round r, receive
// its in-neighbours' models by the deadline, and mix them with the weights of row i of
// W(r). Models travel as raw little-endian float32.
#pragma once

#include <span>

#include "algorithms/mixing.h"
#include "topology/topology.h"
#include "transport/transport.h"

namespace gossip {

constexpr uint8_t kModelKind = 1;
constexpr uint8_t kRawFloat32Codec = 0;

struct GossipStepResult {
  MixResult mix;                 // mix.missing includes the rejected
  std::vector<int> rejected;     // sent a model of the wrong size: dropped like a missing one
  std::vector<int> send_failed;
  Clock::duration sending{};     // of the exchange: the rest of its time was waiting for neighbours
  std::vector<std::pair<int, int64_t>> ahead;  // neighbours already past this round (see ExchangeResult)
};

// `model` is mixed in place. The row's weights come from `topology`; neighbours whose
// model did not arrive by `deadline`, or arrived with the wrong size, are dropped from the
// mix (see mix_models): what a neighbour sends never stops this peer. With `skip_unlinked`,
// a neighbour with no live link is not waited for (see ExchangeRequest).
GossipStepResult gossip_step(Transport& transport, const Topology& topology, int64_t round, std::span<float> model,
                             Clock::time_point deadline, bool skip_unlinked = false);

}  // namespace gossip
