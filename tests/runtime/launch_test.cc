// Whole runs: real `gossip peer` processes over loopback TCP, started by `gossip launch`
// or one by one, killed and restarted.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime/checkpoint.h"
#include "runtime/data/fashion_mnist.h"
#include "runtime/metrics_log.h"
#include "runtime/run_directory.h"
#include "support/gossip_command.h"

using namespace gossip;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using testing::read_file;
using testing::write_topology;

testing::ChildProcess start(const std::vector<std::string>& arguments, const std::string& log) {
  return testing::start_gossip(arguments, log);
}

int run(const std::vector<std::string>& arguments, const std::string& log, std::chrono::seconds limit = 120s) {
  return testing::run_gossip_command(arguments, log, limit);
}

// Waits until the peer's metrics reach `round` (or the limit passes); returns its newest round.
int64_t wait_for_round(const std::filesystem::path& run, int peer, int64_t round, std::chrono::seconds limit = 60s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  int64_t newest = -1;
  while (std::chrono::steady_clock::now() < until) {
    auto lines = read_metrics(metrics_path(run, peer));
    newest = lines.empty() ? -1 : lines.back()["round"].get<int64_t>();
    if (newest >= round) break;
    std::this_thread::sleep_for(5ms);
  }
  return newest;
}

bool have_dataset() { return std::filesystem::exists(default_fashion_mnist_dir() / "t10k-labels-idx1-ubyte.gz"); }

}  // namespace

TEST_CASE("launch: four peers on least squares end near the optimum with a complete run directory") {
  testing::TempDir dir;
  auto topology = write_topology(dir, 4,
                                 {{"task", "least_squares"}, {"rounds", 300}, {"learning_rate", 0.02}, {"eval_every", 100}});
  const auto run_dir = dir.path() / "run";
  REQUIRE(run({"launch", topology, "--run-dir", run_dir.string()}, dir.file("launch.log")) == 0);

  json summary = json::parse(read_file(run_dir / "summary.json"));
  for (const char* key : {"rounds", "wall_seconds", "bytes_sent_total", "test_accuracy_per_peer", "consensus_error",
                          "consensus_error_exact", "distance_to_optimum", "per_peer"}) {
    CHECK_MESSAGE(summary.contains(key), key);
  }
  CHECK(summary["rounds"] == 300);
  CHECK(summary["test_accuracy_per_peer"].size() == 4);
  CHECK(summary["bytes_sent_total"].get<double>() > 300 * 4 * 2 * 40);  // 10 floats to 2 neighbours a round
  // Started 3.0 from the optimum; a constant step of 0.02 leaves a small bias (tests/runtime/dsgd_test.cc).
  CHECK(summary["distance_to_optimum"].get<double>() < 0.2);
  // The sketch estimate is unbiased with relative spread sqrt(2/64) per peer.
  CHECK(summary["consensus_error"].get<double>() ==
        doctest::Approx(summary["consensus_error_exact"].get<double>()).epsilon(0.6));
  CHECK(summary["failed_peers"].empty());

  for (int peer = 0; peer < 4; ++peer) {
    auto lines = read_metrics(metrics_path(run_dir, peer));
    REQUIRE(lines.size() == 300);
    for (const char* key : {"round", "loss", "bytes_sent", "bytes_received", "compute_seconds", "communicate_seconds",
                            "wait_seconds", "missing", "learning_rate"}) {
      CHECK_MESSAGE(lines[150].contains(key), key);
    }
    CHECK(lines[99].contains("sketch"));
    CHECK(lines[299].contains("distance_to_optimum"));
    CHECK(std::filesystem::exists(final_model_path(run_dir, peer)));
  }
  CHECK(std::filesystem::exists(run_dir / "config.json"));
  CHECK(read_file(log_path(run_dir, 2)).find("done: 300 rounds") != std::string::npos);
}

TEST_CASE("a killed peer's neighbours finish the run and the restarted peer rejoins them") {
  testing::TempDir dir;
  const int rounds = 3000;
  auto topology = write_topology(dir, 4, {{"task", "logistic"},
                                          {"task_options", {{"dimension", 50}, {"rows", 5000}}},
                                          {"rounds", rounds},
                                          {"learning_rate", 0.1},
                                          {"eval_every", 500},
                                          {"checkpoint_every", 100},
                                          {"round_timeout_seconds", 1.0},
                                          {"startup_timeout_seconds", 10.0}});
  REQUIRE(run({"keygen", "--update", topology, "--out", dir.file("keys")}, dir.file("keygen.log")) == 0);
  const auto run_dir = dir.path() / "run";
  auto peer_args = [&](int id) {
    return std::vector<std::string>{"peer", topology, "--id", std::to_string(id), "--run-dir", run_dir.string()};
  };
  std::vector<testing::ChildProcess> peers;
  for (int id = 0; id < 4; ++id) peers.push_back(start(peer_args(id), dir.file("peer" + std::to_string(id) + ".log")));

  REQUIRE(wait_for_round(run_dir, 2, 300) >= 300);
  peers[2].signal(SIGKILL);
  CHECK(peers[2].wait(5s) == 128 + SIGKILL);
  const int64_t killed_at = wait_for_round(run_dir, 2, rounds, 1s);  // its file stopped growing
  // The neighbours go on without it: hundreds of rounds, not one timeout per round.
  REQUIRE(wait_for_round(run_dir, 1, killed_at + 400) >= killed_at + 400);

  auto restart = peer_args(2);
  restart.push_back("--resume");
  peers[2] = start(restart, dir.file("peer2-restarted.log"));
  for (int id = 0; id < 4; ++id) CHECK_MESSAGE(peers[id].wait(120s) == 0, "peer ", id);

  const std::string restarted_log = read_file(dir.file("peer2-restarted.log"));
  CHECK(restarted_log.find("resumed from") != std::string::npos);
  CHECK(restarted_log.find("rejoining there") != std::string::npos);
  for (int id : {1, 3}) {
    auto lines = read_metrics(metrics_path(run_dir, id));
    REQUIRE(lines.size() == rounds);
    int missed = 0;
    for (const auto& line : lines) missed += line["missing"] == json{2};
    CHECK_MESSAGE(missed >= 400, "peer ", id, " missed peer 2 in ", missed, " rounds");
    for (size_t round = rounds - 100; round < rounds; ++round) CHECK(lines[round]["missing"].empty());
  }
  auto rejoined = read_metrics(metrics_path(run_dir, 2));
  CHECK(rejoined.back()["round"] == rounds - 1);
}

TEST_CASE("resume after an interrupted launch reproduces the uninterrupted run's final models bit for bit") {
  if (!have_dataset()) {
    MESSAGE("SKIPPED: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  testing::TempDir dir;
  const int rounds = 2400;
  auto topology = write_topology(dir, 4, {{"task", "mlp"},
                                          {"task_options", {{"hidden", {16}}}},
                                          {"partition", "dirichlet"},
                                          {"rounds", rounds},
                                          {"batch_size", 16},
                                          {"learning_rate", 0.05},
                                          {"schedule", "cosine"},
                                          {"momentum", 0.9},
                                          {"eval_every", 0},
                                          {"checkpoint_every", 400}});
  const auto straight = dir.path() / "straight", interrupted = dir.path() / "interrupted";
  REQUIRE(run({"launch", topology, "--run-dir", straight.string()}, dir.file("straight.log")) == 0);

  auto launcher = start({"launch", topology, "--run-dir", interrupted.string()}, dir.file("interrupted.log"));
  REQUIRE(wait_for_round(interrupted, 0, 1000) >= 1000);
  launcher.signal(SIGINT);
  REQUIRE(launcher.wait(30s) == 130);
  CHECK(wait_for_round(interrupted, 0, rounds, 0s) < rounds - 1);  // it really stopped short
  REQUIRE(run({"launch", "--resume", "--run-dir", interrupted.string()}, dir.file("resumed.log")) == 0);
  CHECK(read_file(dir.file("resumed.log")).find("resuming every peer from round") != std::string::npos);

  for (int peer = 0; peer < 4; ++peer) {
    Checkpoint a = load_checkpoint(final_model_path(straight, peer));
    Checkpoint b = load_checkpoint(final_model_path(interrupted, peer));
    CHECK_MESSAGE(a.find("model")->bytes == b.find("model")->bytes, "peer ", peer);
    CHECK(a.find("optimizer")->bytes == b.find("optimizer")->bytes);
    CHECK(read_metrics(metrics_path(interrupted, peer)).size() == rounds);
  }
}

TEST_CASE("peer and launch refuse bad settings with the field named and a non-zero exit") {
  testing::TempDir dir;
  auto topology = write_topology(dir, 2, {{"task", "least_squares"}, {"rounds", 5}});
  auto output = [&](const std::vector<std::string>& arguments) {
    const std::string log = dir.file("out.log");
    int status = run(arguments, log);
    return std::make_pair(status, read_file(log));
  };
  auto [status, text] = output({"launch", topology, "--run-dir", dir.file("r1"), "--lr", "-1"});
  CHECK(status == 2);
  CHECK(text.find("training.learning_rate") != std::string::npos);
  std::tie(status, text) = output({"launch", topology, "--run-dir", dir.file("r2"), "--task", "resnet"});
  CHECK(status == 2);
  CHECK(text.find("unknown task \"resnet\"") != std::string::npos);
  std::tie(status, text) = output({"peer", topology, "--id", "7"});
  CHECK(status == 2);
  CHECK(text.find("--id 7") != std::string::npos);
  std::tie(status, text) = output({"launch", "--resume", "--run-dir", dir.file("nothing")});
  CHECK(status == 2);
  CHECK(text.find("config.json") != std::string::npos);
  std::tie(status, text) = output({"launch", topology, "--run-dir", dir.file("r3"), "--task", "mlp", "--set",
                                   "task_options={\"data_dir\":\"/nonexistent\"}"});
  CHECK(status == 2);
  CHECK(text.find("dataset-fashion-mnist") != std::string::npos);
}
