// A short Fashion-MNIST run of 4 peers on the GPU against the same run on the CPU, as
// separate `gossip launch` processes over TCP: the GPU peers say where they train, and
// their mean final test accuracy is within 0.02 of the CPU peers' (the two devices round
// sums and products differently, so the runs part ways after the first steps; 0.02 is
// about twice the spread between the peers of one run). Runs where a GPU is visible and
// reports itself skipped, with the reason, elsewhere.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "runtime/data/fashion_mnist.h"
#include "runtime/metrics_log.h"
#include "runtime/run_directory.h"
#include "support/gossip_command.h"

using namespace gossip;
using nlohmann::json;
using testing::contains;
using testing::read_file;
using testing::run_gossip_command;

namespace {

double mean_final_accuracy(const std::filesystem::path& run_dir, int peers) {
  double total = 0;
  for (int peer = 0; peer < peers; ++peer) total += read_metrics(metrics_path(run_dir, peer)).back()["test_accuracy"].get<double>();
  return total / peers;
}

}  // namespace

TEST_CASE("a 4-peer run on the GPU ends within 0.02 test accuracy of the same run on the CPU") {
  testing::TempDir dir;
  REQUIRE(run_gossip_command({"version"}, dir.file("version.log")) == 0);
  const std::string version = read_file(dir.file("version.log"));
  if (!contains(version, "CUDA: built; 1 GPU") && !contains(version, "GPUs:")) {
    MESSAGE("SKIPPED: " << version.substr(version.find("CUDA:")));
    return;
  }
  if (!std::filesystem::exists(default_fashion_mnist_dir() / "t10k-labels-idx1-ubyte.gz")) {
    MESSAGE("SKIPPED: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  const json training{{"task", "mlp"},       {"rounds", 300},   {"batch_size", 32}, {"learning_rate", 0.05},
                      {"momentum", 0.9},     {"eval_every", 0}, {"partition", "iid"}};
  auto run_on = [&](const std::string& device) {
    json file = json::parse(read_file(testing::write_topology(dir, 4, training)));
    for (auto& peer : file["peers"]) peer["device"] = device;
    const std::string topology = dir.write(device + ".json", file.dump());
    const std::string run_dir = dir.file("run-" + device);
    REQUIRE(run_gossip_command({"launch", topology, "--run-dir", run_dir}, dir.file(device + ".log")) == 0);
    return std::filesystem::path(run_dir);
  };
  const auto gpu_run = run_on("cuda"), cpu_run = run_on("cpu");
  CHECK(contains(read_file(log_path(gpu_run, 0)), "on cuda:0"));
  const double gpu = mean_final_accuracy(gpu_run, 4), cpu = mean_final_accuracy(cpu_run, 4);
  INFO("GPU " << gpu << ", CPU " << cpu);
  CHECK(cpu > 0.75);
  CHECK(std::abs(gpu - cpu) <= 0.02);
}
