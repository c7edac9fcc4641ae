// Gossip rounds between peer threads over the in-process transport, through the algorithm
// seam (runtime/algorithm_round.h) as the peer loop runs them: the average of the models is kept, the consensus error shrinks as the spectral gap says, and a missing
// neighbour's weight goes to the peer itself.
#include <doctest/doctest.h>

#include <barrier>
#include <cmath>
#include <functional>
#include <random>
#include <thread>

#include "support/gossip_rounds.h"
#include "topology/topology_file.h"
#include "transport/inproc/inproc_transport.h"

using namespace gossip;
using namespace std::chrono_literals;

namespace {

Topology built_in(const std::string& kind, int peers, int rows = 0, int cols = 0) {
  return build_topology(generate_topology_file({.kind = kind, .peers = peers, .rows = rows, .cols = cols}));
}

struct Network {
  std::vector<std::vector<float>> models;
  std::vector<double> average() const {
    std::vector<double> mean(models[0].size(), 0.0);
    for (const auto& model : models) {
      for (size_t k = 0; k < model.size(); ++k) mean[k] += model[k];
    }
    for (auto& value : mean) value /= static_cast<double>(models.size());
    return mean;
  }
  // (1/n) sum_i ||x_i - x_bar||^2
  double consensus_error() const {
    auto mean = average();
    double total = 0;
    for (const auto& model : models) {
      for (size_t k = 0; k < model.size(); ++k) total += (model[k] - mean[k]) * (model[k] - mean[k]);
    }
    return total / static_cast<double>(models.size());
  }
};

// Runs `rounds` gossip rounds on peer threads; `after_round(r)` runs on one thread while
// all peers wait, so it can read every model.
void run_rounds(const Topology& topology, Network& network, int rounds, InprocHub& hub,
                const std::function<void(int)>& after_round) {
  const int n = topology.size();
  std::barrier sync(n);
  auto transports = hub.transports();
  std::vector<std::thread> threads;
  for (int self = 0; self < n; ++self) {
    threads.emplace_back([&, self] {
      testing::GossipPeer peer(self, network.models[self].size());
      for (int round = 0; round < rounds; ++round) {
        peer.round(*transports[self], topology, round, network.models[self], 5s);
        sync.arrive_and_wait();
        if (self == 0) after_round(round);
        sync.arrive_and_wait();
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

Network random_models(int peers, size_t dimension, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(1.0f, 3.0f);
  Network network;
  for (int i = 0; i < peers; ++i) {
    network.models.emplace_back(dimension);
    for (auto& value : network.models.back()) value = normal(rng);
  }
  return network;
}

}  // namespace

TEST_CASE("with a doubly stochastic W, gossip rounds keep the average of the models") {
  for (auto [kind, peers, rows, cols] : {std::tuple{"ring", 8, 0, 0}, std::tuple{"torus", 16, 4, 4},
                                         std::tuple{"exponential", 8, 0, 0}, std::tuple{"one_peer_exponential", 8, 0, 0},
                                         std::tuple{"star", 6, 0, 0}}) {
    INFO(kind);
    Topology topology = built_in(kind, peers, rows, cols);
    Network network = random_models(peers, 257, 1);
    const auto initial = network.average();
    double worst = 0;
    InprocHub hub(peers);
    run_rounds(topology, network, 12, hub, [&](int) {
      auto now = network.average();
      for (size_t k = 0; k < now.size(); ++k) {
        worst = std::max(worst, std::abs(now[k] - initial[k]) / std::max(1.0, std::abs(initial[k])));
      }
    });
    CHECK(worst < 1e-6);
  }
}

TEST_CASE("with zero learning rate the consensus error falls by at least lambda_2^2 per round") {
  for (auto [kind, peers, rows, cols] : {std::tuple{"ring", 8, 0, 0}, std::tuple{"torus", 16, 4, 4},
                                         std::tuple{"ring", 5, 0, 0}}) {
    INFO(kind << " " << peers);
    Topology topology = built_in(kind, peers, rows, cols);
    const double lambda = 1.0 - topology.spectral_gap();
    Network network = random_models(peers, 300, 2);
    const double initial = network.consensus_error();
    double previous = initial, worst_ratio = 0;
    InprocHub hub(peers);
    run_rounds(topology, network, 15, hub, [&](int) {
      double now = network.consensus_error();
      if (previous > 1e-9 * initial) worst_ratio = std::max(worst_ratio, now / previous);
      previous = now;
    });
    CHECK(worst_ratio <= lambda * lambda * (1 + 1e-4));
    CHECK(worst_ratio > 0);
  }
}

TEST_CASE("one-peer exponential on 8 peers reaches exact consensus in 3 rounds") {
  Topology topology = built_in("one_peer_exponential", 8);
  Network network = random_models(8, 100, 3);
  const double initial = network.consensus_error();
  double after_period = -1;
  InprocHub hub(8);
  run_rounds(topology, network, 3, hub, [&](int round) {
    if (round == 2) after_period = network.consensus_error();
  });
  CHECK(after_period < 1e-12 * initial);  // float rounding only
}

TEST_CASE("a neighbour missing from a round gives its weight to the peer itself") {
  Topology topology = built_in("ring", 4);
  Network network;
  for (int i = 0; i < 4; ++i) network.models.push_back({static_cast<float>(i * 3), 1.0f});
  InprocHub hub(4);
  hub.set_filter([](int from, int to, int64_t) { return !(from == 1 && to == 2); });
  std::vector<RoundReport> results(4);
  auto transports = hub.transports();
  std::vector<std::thread> threads;
  for (int self = 0; self < 4; ++self) {
    threads.emplace_back([&, self] {
      testing::GossipPeer peer(self, 2);
      results[self] = peer.round(*transports[self], topology, 0, network.models[self], self == 2 ? 100ms : 5s);
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(results[2].missing == std::vector<int>{1});
  // Peer 1's weight went to peer 2 itself: (2/3) * 6 + (1/3) * 9 = 7, from its own model and peer 3's.
  CHECK(network.models[2][0] == doctest::Approx(7.0f));
  CHECK(network.models[2][1] == doctest::Approx(1.0f));
  CHECK(results[1].missing.empty());
}

TEST_CASE("a model of the wrong size is rejected like a missing one, never mixed") {
  Topology topology = built_in("ring", 3);
  InprocHub hub(3);
  std::vector<float> model = {3.0f, 3.0f};
  std::vector<float> wrong = {100.0f, 100.0f, 100.0f};
  RoundReport result;
  auto transports = hub.transports();
  std::thread liar([&] {
    auto& transport = transports[1];
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(wrong.data()), wrong.size() * sizeof(float));
    Outgoing sends[] = {{0, bytes, 0}};
    transport->exchange({0, wire_kind(MessageKind::kModel), sends, {}, Clock::now() + 1s});
  });
  std::thread honest([&] {
    auto& transport = transports[2];
    std::vector<float> own = {6.0f, 6.0f};
    testing::GossipPeer(2, 2).round(*transport, topology, 0, own, 1s);
  });
  result = testing::GossipPeer(0, 2).round(*transports[0], topology, 0, model, 1s);
  liar.join();
  honest.join();
  CHECK(result.rejected == std::vector<int>{1});
  CHECK(result.missing == std::vector<int>{1});
  CHECK(model[0] == doctest::Approx(4.0f));  // (2/3) * 3 + (1/3) * 6
}
