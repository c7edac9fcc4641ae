// Byzantine peers in whole runs: real `gossip peer` processes over TCP, one of them lying.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "runtime/checkpoint.h"
#include "runtime/metrics_log.h"
#include "runtime/run_directory.h"
#include "support/gossip_command.h"

using namespace gossip;
using nlohmann::json;

TEST_CASE("launch: a peer sending NaN never puts a non-finite value into an honest model, and is reported apart") {
  for (const char* aggregator : {"mean", "trimmed_mean"}) {
    INFO(std::string(aggregator));
    testing::TempDir dir;
    json training{{"task", "least_squares"},
                  {"rounds", 200},
                  {"learning_rate", 0.02},
                  {"eval_every", 20},
                  {"aggregator", std::string(aggregator) == "mean" ? json("mean") : json{{"kind", "trimmed_mean"}, {"f", 1}}},
                  {"byzantine", {{{"peers", {2}}, {"attack", "non_finite"}, {"from_round", 5}}}}};
    const auto topology = testing::write_topology(dir, 5, training);
    const auto run_dir = dir.path() / "run";
    REQUIRE(testing::run_gossip_command({"launch", topology, "--run-dir", run_dir.string()}, dir.file("launch.log")) == 0);
    const std::string said = testing::read_file(dir.file("launch.log"));
    CHECK(said.find("honest peers only below (Byzantine: 2)") != std::string::npos);
    CHECK(said.find("byzantine: non_finite") != std::string::npos);
    for (int peer : {0, 1, 3, 4}) {
      INFO("peer " << peer);
      for (const json& line : read_metrics(metrics_path(run_dir, peer))) {
        REQUIRE(std::isfinite(line["loss"].get<double>()));
        if (line.contains("test_loss")) REQUIRE(std::isfinite(line["test_loss"].get<double>()));
        CHECK_FALSE(line.contains("byzantine"));
      }
      const auto path = final_model_path(run_dir, peer);
      for (float value : checkpoint_model(load_checkpoint(path), path)) REQUIRE(std::isfinite(value));
    }
    // Its neighbours refused its vectors from round 5 on: they count it missing.
    const auto lines = read_metrics(metrics_path(run_dir, 1));
    CHECK(lines[4]["missing"].empty());
    CHECK(lines[10]["missing"] == json{2});
    CHECK(read_metrics(metrics_path(run_dir, 2))[10]["byzantine"] == "non_finite");
    const json summary = json::parse(testing::read_file(run_dir / "summary.json"));
    CHECK(summary["honest_only"] == true);
    CHECK(summary["byzantine_peers"] == json{2});
    CHECK(std::isfinite(summary["consensus_error_exact"].get<double>()));
    // The honest peers still train: the optimum is of all five shards, the Byzantine one's
    // among them, so they end near it, not at it (they start 3.0 away).
    CHECK(summary["distance_to_optimum"].get<double>() < 1.5);
  }
}
