// CHOCO over peers on threads: compressed gossip reaches consensus on the average, a missed
// message is repaired by the copies, and CHOCO-SGD with top-1% trains.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "algorithms/rules/choco.h"
#include "support/gossip_rounds.h"
#include "support/random_values.h"
#include "topology/topology_file.h"

using namespace gossip;

namespace {

Topology ring(int peers) { return build_topology(generate_topology_file({.kind = "ring", .peers = peers})); }

std::vector<std::vector<float>> random_models(int peers, std::size_t length, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<float>> models;
  for (int i = 0; i < peers; ++i) models.push_back(testing::random_normal(length, rng));
  return models;
}

std::vector<double> average(const std::vector<std::vector<float>>& models) {
  std::vector<double> mean(models[0].size(), 0.0);
  for (const auto& model : models) {
    for (size_t k = 0; k < model.size(); ++k) mean[k] += model[k] / static_cast<double>(models.size());
  }
  return mean;
}

double consensus_error(const std::vector<std::vector<float>>& models) {
  const auto mean = average(models);
  double total = 0;
  for (const auto& model : models) {
    for (size_t k = 0; k < model.size(); ++k) total += (model[k] - mean[k]) * (model[k] - mean[k]);
  }
  return total / static_cast<double>(models.size());
}

double largest_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t k = 0; k < a.size(); ++k) worst = std::max(worst, std::abs(a[k] - b[k]));
  return worst;
}

AlgorithmSettings choco(const std::string& compressor, nlohmann::json options, double gamma) {
  AlgorithmSettings settings;
  settings.algorithm = "choco";
  settings.compressor = compressor;
  settings.compressor_options = std::move(options);
  settings.consensus_step = gamma;
  return settings;
}

}  // namespace

TEST_CASE("CHOCO-gossip with top-10%, QSGD 4-bit and sign reaches consensus on the peers' average") {
  struct Case {
    const char* compressor;
    nlohmann::json options;
    double gamma;
    int rounds;
  };
  // gamma 0.2 for all three (top-10% diverges above about 0.35 on this ring).
  for (const Case& c : {Case{"top_k", {{"fraction", 0.1}}, 0.2, 1000}, Case{"qsgd", {{"bits", 4}}, 0.2, 1000},
                        Case{"sign", nlohmann::json::object(), 0.2, 1000}}) {
    INFO(std::string(c.compressor));
    const Topology topology = ring(8);
    auto models = random_models(8, 100, 3);
    const auto initial_average = average(models);
    const double initial_error = consensus_error(models);
    double largest_value = 0;
    for (const auto& model : models) {
      for (float value : model) largest_value = std::max(largest_value, double{std::abs(value)});
    }
    InprocHub hub(8);
    testing::run_gossip(topology, models, c.rounds, hub, choco(c.compressor, c.options, c.gamma), nullptr);
    const double final_error = consensus_error(models);
    MESSAGE(std::string(c.compressor) << ": consensus error " << initial_error << " -> " << final_error << " in " << c.rounds
                         << " rounds; the average moved by " << largest_difference(average(models), initial_average));
    CHECK(final_error < 1e-8 * initial_error);
    // Kept up to float32 rounding: an increment x_i += gamma (S_i - x_hat_i) below half an
    // ulp of x_i is lost, at worst once a round and always the same way.
    CHECK(largest_difference(average(models), initial_average) < c.rounds * 0x1p-24 * largest_value);
  }
}

TEST_CASE("CHOCO: after missed messages a peer rebuilds its neighbour sum from their copies, and consensus follows") {
  const Topology topology = ring(8);
  auto models = random_models(8, 100, 4);
  const double initial_error = consensus_error(models);
  InprocHub hub(8);
  // The link between peers 1 and 2 is down for rounds 50 and 51: both miss each other.
  hub.set_outage([](int a, int b, int64_t round) { return a == 1 && b == 2 && (round == 50 || round == 51); });
  std::vector<int> resyncing_rounds;
  testing::run_gossip(topology, models, 1000, hub, choco("top_k", {{"fraction", 0.1}}, 0.2),
                      [&](int round, std::vector<testing::GossipPeer>& peers) {
                        const bool one = dynamic_cast<Choco&>(peers[1].rule()).resyncing();
                        const bool two = dynamic_cast<Choco&>(peers[2].rule()).resyncing();
                        if (one || two) resyncing_rounds.push_back(round);
                        for (int other : {0, 3, 4, 5, 6, 7}) CHECK_FALSE(dynamic_cast<Choco&>(peers[other].rule()).resyncing());
                      });
  // Missed in 50 and 51, asked in 51 and 52, rebuilt from the copies that come in 53.
  CHECK(resyncing_rounds == std::vector<int>{50, 51, 52});
  const double final_error = consensus_error(models);
  MESSAGE("consensus error " << initial_error << " -> " << final_error << " with rounds 50-51 lost on one link");
  CHECK(final_error < 1e-8 * initial_error);
}

TEST_CASE("DSGD with a lossy compressor and error feedback keeps the average and agrees to a residual ~ gamma^2") {
  // Compressing the models themselves (DeepSqueeze) leaves what the error feedback holds back
  // circulating: the consensus error stops at a floor that shrinks with the consensus step,
  // where CHOCO's compressed changes go to 0 (see above).
  auto residual = [](double gamma) {
    const Topology topology = ring(8);
    auto models = random_models(8, 100, 5);
    const auto initial_average = average(models);
    const double initial_error = consensus_error(models);
    AlgorithmSettings settings;
    settings.compressor = "top_k";
    settings.compressor_options = {{"fraction", 0.1}};
    settings.consensus_step = gamma;
    InprocHub hub(8);
    testing::run_gossip(topology, models, 1000, hub, settings, nullptr);
    CHECK(largest_difference(average(models), initial_average) < 1e-4);
    return consensus_error(models) / initial_error;
  };
  const double coarse = residual(0.2), fine = residual(0.05);
  MESSAGE("DSGD top-10% with error feedback: consensus error left " << coarse << " of its start at gamma 0.2, " << fine
                                                                    << " at gamma 0.05");
  CHECK(coarse < 0.1);
  CHECK(fine < coarse / 8);  // about (0.2 / 0.05)^2 = 16 times smaller
}
