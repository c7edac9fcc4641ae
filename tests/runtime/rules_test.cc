// Every update rule through the peer loop, peers on threads over the in-process transport:
// where each converges to on heterogeneous least squares, the bytes each sends, K local
// steps and momentum, and resuming bit for bit.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <thread>

#include "runtime/checkpoint.h"
#include "runtime/metrics_log.h"
#include "runtime/peer.h"
#include "runtime/run_directory.h"
#include "runtime/task.h"
#include "support/gossip_rounds.h"
#include "support/random_values.h"
#include "support/temp_dir.h"
#include "topology/topology_file.h"
#include "transport/inproc/inproc_transport.h"
#include "transport/wire.h"
#include "common/config_error.h"

using namespace gossip;
using nlohmann::json;

namespace {

Topology ring(int peers) { return build_topology(generate_topology_file({.kind = "ring", .peers = peers})); }

TrainingConfig config_of(json training) {
  json defaults{{"task", "least_squares"}, {"eval_every", 0}, {"sketch_size", 0}, {"round_timeout_seconds", 10},
                {"startup_timeout_seconds", 10}};
  defaults.update(training);
  return parse_training_config(defaults, 9);
}

// Runs every peer to the end (or to `stop_at`, resumed from there when `resume`), on
// threads; returns the final models.
std::vector<std::vector<float>> run_peers(const Topology& topology, const TrainingConfig& config,
                                          const std::filesystem::path& run_dir, int64_t stop_at = -1,
                                          bool resume = false) {
  const int n = topology.size();
  InprocHub hub(n);
  std::vector<std::unique_ptr<Transport>> transports;
  std::vector<std::vector<float>> models(n);
  std::vector<std::unique_ptr<Peer>> peers;
  for (int id = 0; id < n; ++id) {
    std::function<bool(int64_t)> stop;
    if (stop_at >= 0) stop = [stop_at](int64_t next) { return next == stop_at; };
    peers.push_back(std::make_unique<Peer>(PeerSetup{id, topology, config, run_dir, [](const std::string&) {}, stop}));
    if (resume) {
      peers.back()->resume();
    } else {
      peers.back()->start_fresh();
    }
    transports.push_back(hub.transport(id, topology.linked_peers(id), peers.back()->first_round()));
  }
  std::vector<std::thread> threads;
  for (int id = 0; id < n; ++id) {
    threads.emplace_back([&, id] {
      peers[id]->run(*transports[id]);
      models[id].assign(peers[id]->model().begin(), peers[id]->model().end());
    });
  }
  for (auto& thread : threads) thread.join();
  return models;
}

// ||x_bar - x*|| / ||x*|| from the final models in the run directory.
double relative_distance(const std::filesystem::path& run_dir, int peers, const TrainingConfig& config) {
  auto task = make_task({0, peers, config});
  const std::vector<float> optimum = *task->optimum();
  std::vector<double> average(optimum.size(), 0.0);
  for (int id = 0; id < peers; ++id) {
    const auto path = final_model_path(run_dir, id);
    const std::vector<float> model = checkpoint_model(load_checkpoint(path), path);
    for (size_t k = 0; k < model.size(); ++k) average[k] += model[k] / peers;
  }
  double distance = 0, norm = 0;
  for (size_t k = 0; k < optimum.size(); ++k) {
    distance += (average[k] - optimum[k]) * (average[k] - optimum[k]);
    norm += double{optimum[k]} * optimum[k];
  }
  return std::sqrt(distance / norm);
}

}  // namespace

TEST_CASE("rules: gradient tracking reaches the exact optimum where DSGD stalls at a bias, also with K = 2 and momentum") {
  const Topology topology = ring(8);
  const json problem{{"task_options", {{"heterogeneity", 2.0}}}, {"rounds", 3000}, {"learning_rate", 0.02}};
  auto distance = [&](json settings) {
    testing::TempDir dir;
    json training = problem;
    training.update(settings);
    const TrainingConfig config = config_of(training);
    run_peers(topology, config, dir.path());
    return relative_distance(dir.path(), 8, config);
  };
  const double dsgd = distance({{"algorithm", "atc"}});
  const double tracking = distance({{"algorithm", "gradient_tracking"}});
  const double local_steps = distance({{"algorithm", "gradient_tracking"}, {"local_steps", 2}, {"learning_rate", 0.01}});
  const double momentum = distance({{"algorithm", "gradient_tracking"}, {"momentum", 0.5}, {"learning_rate", 0.01}});
  MESSAGE("relative distance to the optimum after 3000 rounds: DSGD " << dsgd << ", gradient tracking " << tracking
                                                                      << " (K = 2: " << local_steps << ", momentum 0.5: "
                                                                      << momentum << ")");
  CHECK(dsgd > 1e-3);
  CHECK(tracking < 1e-5);
  CHECK(tracking * 1000 < dsgd);
  CHECK(local_steps < 1e-5);
  CHECK(momentum < 1e-5);
}

TEST_CASE("rules: CHOCO-SGD with top-1% converges to where uncompressed gossip with its consensus step does") {
  // Both end at the fixed point of x_i <- x_i - eta g_i + gamma (sum_j w_ij x_j - x_i): its
  // bias grows with eta / gamma and shrinks with the step, compression or not.
  const Topology topology = ring(8);
  for (double learning_rate : {0.02, 0.005}) {
    const json problem{{"task_options", {{"dimension", 200}, {"rows", 400}}}, {"rounds", 4000},
                       {"learning_rate", learning_rate}, {"consensus_step", 0.05}};
    json compressed = problem;
    compressed["algorithm"] = "choco";
    compressed["compressor"] = {{"kind", "top_k"}, {"fraction", 0.01}};  // 2 of 200 values a round
    testing::TempDir choco_dir, gossip_dir;
    const TrainingConfig choco = config_of(compressed), gossip = config_of(problem);
    run_peers(topology, choco, choco_dir.path());
    run_peers(topology, gossip, gossip_dir.path());
    const double with_top_k = relative_distance(choco_dir.path(), 8, choco);
    const double exact = relative_distance(gossip_dir.path(), 8, gossip);
    MESSAGE("step " << learning_rate << ": CHOCO-SGD top-1% ends " << with_top_k
                    << " from the optimum, uncompressed gossip with the same gamma " << exact);
    CHECK(with_top_k == doctest::Approx(exact).epsilon(1e-3));
  }
}

namespace {

// A directed ring where peer i keeps keep[i] of its mass and sends the rest to i + 1:
// column stochastic, but its rows do not sum to 1.
TopologyFile directed_ring(const std::vector<double>& keep) {
  const int n = static_cast<int>(keep.size());
  TopologyFile file = generate_topology_file({.kind = "ring", .peers = n});
  file.graph = GraphSpec{};
  file.graph.kind = "matrix";
  file.graph.directed = true;
  file.graph.matrix.assign(n, std::vector<double>(n, 0.0));
  for (int i = 0; i < n; ++i) {
    file.graph.matrix[i][i] = keep[i];
    file.graph.matrix[(i + 1) % n][i] = 1 - keep[i];
  }
  return file;
}

}  // namespace

TEST_CASE("rules: push-sum on a directed ring with unequal weights converges to the true average, DSGD is refused there") {
  const Topology topology = build_topology(directed_ring({0.3, 0.5, 0.7, 0.4, 0.6, 0.8}));
  MixingProperties mixing;
  mixing.symmetric = false;
  mixing.row_stochastic = false;
  std::mt19937 rng(12);
  std::vector<std::vector<float>> models;
  for (int i = 0; i < 6; ++i) models.push_back(testing::random_normal(50, rng));
  std::vector<double> truth(50, 0.0);
  for (const auto& model : models) {
    for (size_t k = 0; k < model.size(); ++k) truth[k] += model[k] / 6.0;
  }
  AlgorithmSettings push_sum;
  push_sum.algorithm = "push_sum";
  InprocHub hub(6);
  constexpr int kRounds = 300;
  double worst = 0;
  testing::run_gossip(topology, models, kRounds, hub, push_sum,
                      [&](int round, std::vector<testing::GossipPeer>& peers) {
                        if (round != kRounds - 1) return;
                        for (int i = 0; i < 6; ++i) {
                          const auto z = peers[i].rule().evaluated_model(models[i]);
                          for (size_t k = 0; k < z.size(); ++k) worst = std::max(worst, std::abs(z[k] - truth[k]));
                        }
                      },
                      mixing);
  MESSAGE("push-sum: largest |z_i - average| after " << kRounds << " rounds: " << worst);
  CHECK(worst < 1e-5);
  // Plain mixing would converge, but not to the average: refused, with the reason.
  CHECK_THROWS_WITH_AS(make_algorithm({}, 0, 50, 1, mixing), doctest::Contains("push_sum"), ConfigError);
  testing::TempDir dir;
  CHECK_THROWS_WITH_AS(Peer(PeerSetup{0, topology, config_of({{"rounds", 1}}), dir.path(), nullptr, nullptr}),
                       doctest::Contains("which needs every row of W to sum to 1"), ConfigError);
}

namespace {

struct RuleCase {
  const char* name;
  json settings;
  std::size_t payload_bytes;  // of one message, for d = 200; for top-k the most it can be
  bool exact = true;
};

// d = 200: top-1% keeps 2 values (each a float and a gap of 1 or 2 bytes), 4-bit QSGD packs
// 100 bytes, sign 25.
const RuleCase kRules[] = {
    {"atc", {{"algorithm", "atc"}}, 800},
    {"cta, K = 2", {{"algorithm", "cta"}, {"local_steps", 2}}, 800},
    {"atc + top-1% with error feedback", {{"algorithm", "atc"}, {"compressor", {{"kind", "top_k"}, {"fraction", 0.01}}}, {"consensus_step", 0.5}}, 12, false},
    {"gradient tracking, K = 2", {{"algorithm", "gradient_tracking"}, {"local_steps", 2}}, 1600},
    {"choco top-1%", {{"algorithm", "choco"}, {"compressor", {{"kind", "top_k"}, {"fraction", 0.01}}}, {"consensus_step", 0.05}}, 1 + 12, false},
    {"choco random-1%, K = 2", {{"algorithm", "choco"}, {"local_steps", 2}, {"compressor", {{"kind", "random_k"}, {"fraction", 0.01}}}, {"consensus_step", 0.05}}, 1 + 8 + 8},
    {"choco qsgd 4-bit", {{"algorithm", "choco"}, {"compressor", {{"kind", "qsgd"}, {"bits", 4}}}, {"consensus_step", 0.2}}, 1 + 4 + 100},
    {"choco sign", {{"algorithm", "choco"}, {"compressor", "sign"}, {"consensus_step", 0.2}}, 1 + 4 + 25},
    {"push-sum, K = 2", {{"algorithm", "push_sum"}, {"local_steps", 2}}, 8 + 800},
};

json rule_training(const RuleCase& rule, int64_t rounds) {
  json training{{"task_options", {{"dimension", 200}, {"rows", 400}}}, {"rounds", rounds}, {"learning_rate", 0.01},
                {"momentum", 0.5}, {"checkpoint_every", 10}};
  training.update(rule.settings);
  return training;
}

}  // namespace

TEST_CASE("rules: the bytes each rule puts on the wire are exactly its messages' (framing and tags included)") {
  const Topology topology = ring(4);
  for (const RuleCase& rule : kRules) {
    INFO(std::string(rule.name));
    testing::TempDir dir;
    run_peers(topology, config_of(rule_training(rule, 20)), dir.path());
    const auto lines = read_metrics(metrics_path(dir.path(), 1));
    REQUIRE(lines.size() == 20);
    // Two out-neighbours on a ring, one message each a round, the same to both (InprocOptions:
    // encrypted, 256 KiB records). Top-k's size varies with the indices: at most the bound.
    for (int round : {0, 10, 19}) {
      const uint64_t payload = lines[round]["payload_bytes"].get<uint64_t>() / 2;
      if (rule.exact) {
        CHECK(payload == rule.payload_bytes);
      } else {
        CHECK(payload <= rule.payload_bytes);
      }
      CHECK(lines[round]["bytes_sent"].get<uint64_t>() == 2 * wire::message_wire_bytes(payload, std::size_t{256} << 10, true));
    }
  }
}

TEST_CASE("rules: each rule, stopped after round 30 and resumed, ends bit for bit where an uninterrupted run does") {
  const Topology topology = ring(4);
  for (const RuleCase& rule : kRules) {
    INFO(std::string(rule.name));
    testing::TempDir straight, interrupted;
    const TrainingConfig config = config_of(rule_training(rule, 60));
    run_peers(topology, config, straight.path());
    run_peers(topology, config, interrupted.path(), 30);
    run_peers(topology, config, interrupted.path(), -1, true);
    for (int id = 0; id < 4; ++id) {
      const Checkpoint a = load_checkpoint(final_model_path(straight.path(), id));
      const Checkpoint b = load_checkpoint(final_model_path(interrupted.path(), id));
      REQUIRE(a.sections.size() == b.sections.size());
      for (size_t s = 0; s < a.sections.size(); ++s) {
        INFO("peer " << id << ", section " << a.sections[s].name);
        CHECK(a.sections[s].bytes == b.sections[s].bytes);
      }
    }
  }
}

TEST_CASE("rules: a vector attack needs a rule that sends plain vectors, a Byzantine peer must be in the topology") {
  const Topology topology = ring(4);
  testing::TempDir dir;
  auto refusal = [&](json training) {
    try {
      Peer(PeerSetup{1, topology, config_of(training), dir.path(), nullptr, nullptr});
    } catch (const ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  const json alie{{"peers", {1}}, {"attack", "alie"}};
  CHECK(refusal({{"rounds", 1}, {"algorithm", "choco"}, {"consensus_step", 0.5}, {"byzantine", {alie}}})
            .find("the alie attack lies with float vectors, and the choco rule's messages") != std::string::npos);
  CHECK(refusal({{"rounds", 1}, {"byzantine", {alie}}}) == "no error");
  CHECK(refusal({{"rounds", 1}, {"algorithm", "gradient_tracking"}, {"byzantine", {alie}}}) == "no error");
  CHECK(refusal({{"rounds", 1}, {"byzantine", {{{"peers", {7}}, {"attack", "ipm"}}}}})
            .find("training.byzantine[0].peers: peer 7 is not in the topology (ids 0..3)") == 0);
}
