// Gossip rounds for tests: a rule of the registry (default `atc`) with a local step that
// does nothing, so a round is exactly its combine through the algorithm seam; and peers on
// threads running such rounds over the in-process transport.
#pragma once

#include <algorithm>
#include <barrier>
#include <functional>
#include <memory>
#include <thread>

#include "algorithms/registry.h"
#include "runtime/algorithm_round.h"
#include "topology/topology.h"
#include "transport/inproc/inproc_transport.h"

namespace gossip::testing {

// A learning rate of 0: the model moves only by gossip.
struct NoSteps final : LocalTraining {
  void step(std::span<float>) override {}
  void gradient(std::span<const float>, std::span<float> out) override { std::fill(out.begin(), out.end(), 0.0f); }
  void momentum_step(std::span<float>, std::span<const float>) override {}
};

class GossipPeer {
 public:
  GossipPeer(int self, std::size_t parameters, const AlgorithmSettings& settings = {},
             const MixingProperties& mixing = {})
      : self_(self), rule_(make_algorithm(settings, self, parameters, 1, mixing)) {}
  RoundReport round(Transport& transport, const Topology& topology, int64_t round, std::span<float> model,
                    Clock::duration timeout) {
    const Neighbourhood neighbourhood = neighbourhood_of(topology.weights(round), self_);
    NoSteps none;
    RoundContext context{round, 0.0, neighbourhood, model, none};
    return run_algorithm_round(*rule_, transport, context, timeout);
  }
  Algorithm& rule() { return *rule_; }

 private:
  int self_;
  std::unique_ptr<Algorithm> rule_;
};

// Runs `rounds` rounds of `settings`' rule on every model, one thread a peer; after each
// round `after_round(r)` runs on one thread while all peers wait, so it may read every
// model and rule.
inline void run_gossip(const Topology& topology, std::vector<std::vector<float>>& models, int rounds, InprocHub& hub,
                       const AlgorithmSettings& settings, const std::function<void(int, std::vector<GossipPeer>&)>& after_round,
                       const MixingProperties& mixing = {}) {
  const int n = topology.size();
  std::vector<GossipPeer> peers;
  for (int self = 0; self < n; ++self) peers.emplace_back(self, models[self].size(), settings, mixing);
  auto transports = hub.transports();
  std::barrier sync(n);
  std::vector<std::thread> threads;
  for (int self = 0; self < n; ++self) {
    threads.emplace_back([&, self] {
      for (int round = 0; round < rounds; ++round) {
        peers[self].round(*transports[self], topology, round, models[self], std::chrono::seconds(5));
        if (!after_round) continue;  // the exchanges keep the peers in step
        sync.arrive_and_wait();
        if (self == 0) after_round(round, peers);
        sync.arrive_and_wait();
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

}  // namespace gossip::testing
