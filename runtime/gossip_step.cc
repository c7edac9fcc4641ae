#include "runtime/gossip_step.h"


namespace gossip {
namespace {

static_assert(sizeof(float) == 4, "models travel as IEEE float32");

std::span<const uint8_t> float_bytes(std::span<const float> values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()};
}

}  // namespace

GossipStepResult gossip_step(Transport& transport, const Topology& topology, int64_t round, std::span<float> model,
                             Clock::time_point deadline, bool skip_unlinked) {
  const int self = transport.self();
  const MixingMatrix& weights = topology.weights(round);
  std::vector<Outgoing> sends;
  for (int peer : weights.out_neighbours(self)) sends.push_back({peer, float_bytes(model), kRawFloat32Codec});
  const std::vector<int>& from = weights.in_neighbours(self);
  ExchangeResult exchanged = transport.exchange({round, kModelKind, sends, from, deadline, skip_unlinked});

  GossipStepResult result;
  std::vector<NeighbourModel> neighbours;
  size_t next = 0;
  for (int peer : from) {
    NeighbourModel neighbour{peer, weights.weight(self, peer), {}};
    // received is in receive_from order, so one pass pairs them up.
    if (next < exchanged.received.size() && exchanged.received[next].peer == peer) {
      const auto& payload = exchanged.received[next++].payload;
      if (payload.size() == model.size_bytes() && !model.empty()) {
        // Inbox buffers come from operator new, so they are aligned for float.
        neighbour.values = {reinterpret_cast<const float*>(payload.data()), model.size()};
      } else {
        result.rejected.push_back(peer);
      }
    }
    neighbours.push_back(neighbour);
  }
  result.mix = mix_models(model, weights.self_weight(self), neighbours);
  result.send_failed = std::move(exchanged.send_failed);
  result.sending = exchanged.sending;
  result.ahead = std::move(exchanged.ahead);
  return result;
}

}  // namespace gossip
