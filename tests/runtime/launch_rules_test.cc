// The update rules and graphs as users run them: `gossip launch`, one process a peer,
// over encrypted TCP on loopback.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "runtime/task.h"
#include "runtime/training_config.h"
#include "support/gossip_command.h"

using namespace gossip;
using nlohmann::json;

namespace {

// summary.json of a launch of `peers` on `graph` with these settings.
json launch(const json& training, int peers = 4, const json& graph = {{"kind", "ring"}}) {
  testing::TempDir dir;
  const auto topology = testing::write_topology(dir, peers, training, graph);
  const auto run_dir = dir.path() / "run";
  const int status = testing::run_gossip_command({"launch", topology, "--run-dir", run_dir.string()}, dir.file("launch.log"));
  INFO(testing::read_file(dir.file("launch.log")));
  REQUIRE(status == 0);
  return json::parse(testing::read_file(run_dir / "summary.json"));
}

}  // namespace

TEST_CASE("launch: DSGD stops at a bias that shrinks with the step, gradient tracking reaches the optimum, 1000x closer") {
  const json problem{{"task", "least_squares"}, {"task_options", {{"heterogeneity", 2.0}}}, {"rounds", 2000},
                     {"eval_every", 0}, {"seed", 11}};
  // ||x*|| of the same problem (the seed and peers decide it), to make distances relative.
  auto task = make_task({0, 4, parse_training_config(problem, 11)});
  const std::vector<float> optimum = *task->optimum();
  double norm = 0;
  for (float value : optimum) norm += double{value} * value;
  norm = std::sqrt(norm);
  auto relative = [&](const json& settings) {
    json training = problem;
    training.update(settings);
    return launch(training)["distance_to_optimum"].get<double>() / norm;
  };
  const double steps[] = {0.04, 0.02, 0.01};
  double dsgd[3];
  for (int i = 0; i < 3; ++i) dsgd[i] = relative({{"algorithm", "atc"}, {"learning_rate", steps[i]}});
  const double tracking = relative({{"algorithm", "gradient_tracking"}, {"learning_rate", 0.02}});
  const double exponent = std::log(dsgd[0] / dsgd[2]) / std::log(steps[0] / steps[2]);
  MESSAGE("DSGD relative distance at steps 0.04, 0.02, 0.01: " << dsgd[0] << ", " << dsgd[1] << ", " << dsgd[2]
                                                               << " (bias ~ step^" << exponent
                                                               << "); gradient tracking at 0.02: " << tracking);
  CHECK(dsgd[1] < dsgd[0]);
  CHECK(dsgd[2] < dsgd[1]);
  CHECK(exponent == doctest::Approx(1.0).epsilon(0.2));
  CHECK(tracking < 1e-5);
  CHECK(tracking * 1000 < dsgd[1]);
}

TEST_CASE("launch: one-peer exponential averages exactly in 3 rounds on 8 peers, on 6 it is refused and says why") {
  // The step only in round 0 (a step schedule with gamma 0), so the peers' models differ
  // once and then only gossip: 3 rounds of hops 1, 2 and 4 average 8 models exactly.
  const json once{{"task", "least_squares"}, {"rounds", 3}, {"learning_rate", 0.5},
                  {"schedule", {{"kind", "step"}, {"step_every", 1}, {"step_gamma", 0.0}}}, {"eval_every", 0}};
  const double one_peer = launch(once, 8, {{"kind", "one_peer_exponential"}})["consensus_error_exact"].get<double>();
  const double ring = launch(once, 8)["consensus_error_exact"].get<double>();
  MESSAGE("consensus error after 3 rounds on 8 peers: one-peer exponential " << one_peer << ", ring " << ring);
  CHECK(ring > 1e-4);
  CHECK(one_peer < 1e-12 * ring);  // float32 rounding of the halvings, nothing more

  // And it trains: each peer links only to the peers it will ever talk to (3 of 7).
  const json trained = launch({{"task", "least_squares"}, {"rounds", 600}, {"learning_rate", 0.02}, {"eval_every", 0}}, 8,
                              {{"kind", "one_peer_exponential"}});
  CHECK(trained["distance_to_optimum"].get<double>() < 0.1);

  testing::TempDir dir;
  const auto six = testing::write_topology(dir, 6, once, {{"kind", "one_peer_exponential"}});
  CHECK(testing::run_gossip_command({"launch", six, "--run-dir", dir.file("run")}, dir.file("six.log")) == 2);
  const std::string said = testing::read_file(dir.file("six.log"));
  MESSAGE("gossip launch on 6 peers: " << said);
  CHECK(said.find("one_peer_exponential needs a power-of-two number of peers, the file has 6") != std::string::npos);
  CHECK(said.find("do not average exactly") != std::string::npos);
}

TEST_CASE("launch: model snapshots give the average model's curve, its last point is the summary's") {
  testing::TempDir dir;
  const auto topology = testing::write_topology(
      dir, 4, {{"task", "least_squares"}, {"rounds", 200}, {"learning_rate", 0.02}, {"snapshot_every", 50}});
  const auto run_dir = dir.path() / "run";
  REQUIRE(testing::run_gossip_command({"launch", topology, "--run-dir", run_dir.string()}, dir.file("launch.log")) == 0);
  REQUIRE(testing::run_gossip_command({"bench", "average-model", run_dir.string(), "--json"}, dir.file("curve.json")) == 0);
  const json curve = json::parse(testing::read_file(dir.file("curve.json")));
  const json summary = json::parse(testing::read_file(run_dir / "summary.json"));
  REQUIRE(curve.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(curve[i]["round"] == 50 * (i + 1));
  CHECK(curve[0]["test_loss"].get<double>() > curve[3]["test_loss"].get<double>());
  CHECK(curve[3]["test_loss"].get<double>() == summary["test_loss"].get<double>());
  CHECK(curve[3]["consensus_error_exact"].get<double>() == summary["consensus_error_exact"].get<double>());
  CHECK(curve[3]["bytes_sent_per_peer"].get<double>() == doctest::Approx(summary["bytes_sent_total"].get<double>() / 4));
  CHECK(curve[1]["bytes_sent_per_peer"].get<double>() == doctest::Approx(curve[3]["bytes_sent_per_peer"].get<double>() / 2));
}
