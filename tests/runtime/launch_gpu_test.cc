// Runs on the GPU against the same runs on the CPU, as separate `gossip launch` processes
// over TCP. A 4-peer Fashion-MNIST run on the GPU (plain DSGD, and rules whose compressor or
// aggregator has a GPU twin) says where it trains and ends within 0.02 mean test accuracy of
// the CPU run (the devices round sums and products differently, so
// the runs part ways after the first steps; 0.02 is about twice the spread between the
// peers of one run); it runs where a GPU is visible and reports itself skipped elsewhere.
// A run checkpointed on one device resumes on another: GPU to CPU where there is a GPU,
// CPU to CPU (bit for bit) where there is none.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <nlohmann/json.hpp>

#include "runtime/checkpoint.h"
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

bool have_gpu(const testing::TempDir& dir, std::string& why) {
  REQUIRE(run_gossip_command({"version"}, dir.file("version.log")) == 0);
  const std::string version = read_file(dir.file("version.log"));
  why = version.substr(version.find("CUDA:"));
  return contains(version, "CUDA: built; 1 GPU") || contains(version, "GPUs:");
}

bool have_dataset() { return std::filesystem::exists(default_fashion_mnist_dir() / "t10k-labels-idx1-ubyte.gz"); }

// The file at `topology` with every peer's device set to `device`.
void set_devices(const std::filesystem::path& topology, const std::string& device) {
  json file = json::parse(read_file(topology));
  for (auto& peer : file["peers"]) peer["device"] = device;
  std::ofstream(topology) << file.dump(2);
}

double mean_final_accuracy(const std::filesystem::path& run_dir, int peers) {
  double total = 0;
  for (int peer = 0; peer < peers; ++peer) total += read_metrics(metrics_path(run_dir, peer)).back()["test_accuracy"].get<double>();
  return total / peers;
}

}  // namespace

TEST_CASE("a 4-peer run on the GPU ends within 0.02 test accuracy of the same run on the CPU, twins included") {
  testing::TempDir dir;
  std::string why;
  if (!have_gpu(dir, why)) {
    MESSAGE("SKIPPED: " << why);
    return;
  }
  if (!have_dataset()) {
    MESSAGE("SKIPPED: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  // Plain DSGD; then the rules whose parts have GPU twins: CHOCO with top-k and with QSGD
  // (encoded on the GPU), DSGD with the geometric median (aggregated on the GPU).
  const json variants[] = {
      json::object(),
      {{"algorithm", "choco"}, {"consensus_step", 0.5}, {"compressor", {{"kind", "top_k"}, {"fraction", 0.1}}}},
      {{"algorithm", "choco"}, {"consensus_step", 0.5}, {"compressor", {{"kind", "qsgd"}, {"bits", 8}}}},
      {{"aggregator", "geometric_median"}},
  };
  for (std::size_t variant = 0; variant < std::size(variants); ++variant) {
    json training{{"task", "mlp"},   {"rounds", 300},   {"batch_size", 32},   {"learning_rate", 0.05},
                  {"momentum", 0.9}, {"eval_every", 0}, {"partition", "iid"}};
    training.update(variants[variant]);
    INFO("variant " << variants[variant].dump());
    auto run_on = [&](const std::string& device) {
      const std::string name = device + "-" + std::to_string(variant);
      const std::string topology = testing::write_topology(dir, 4, training, {{"kind", "ring"}}, name + ".json");
      set_devices(topology, device);
      const std::string run_dir = dir.file("run-" + name);
      REQUIRE(run_gossip_command({"launch", topology, "--run-dir", run_dir}, dir.file(name + ".log")) == 0);
      return std::filesystem::path(run_dir);
    };
    const auto gpu_run = run_on("cuda"), cpu_run = run_on("cpu");
    CHECK(contains(read_file(log_path(gpu_run, 0)), "on cuda:0"));
    const double gpu = mean_final_accuracy(gpu_run, 4), cpu = mean_final_accuracy(cpu_run, 4);
    INFO("GPU " << gpu << ", CPU " << cpu);
    CHECK(cpu > 0.75);
    CHECK(std::abs(gpu - cpu) <= 0.02);
  }
}

TEST_CASE("a run checkpointed on one device resumes on another: GPU to CPU, or CPU to CPU bit for bit without a GPU") {
  testing::TempDir dir;
  if (!have_dataset()) {
    MESSAGE("SKIPPED: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  std::string why;
  const std::string first = have_gpu(dir, why) ? "cuda" : "cpu";
  const json training{{"task", "mlp"},         {"task_options", {{"hidden", {32}}}}, {"rounds", 200},
                      {"batch_size", 32},      {"learning_rate", 0.05},             {"momentum", 0.9},
                      {"eval_every", 0},       {"checkpoint_every", 100}};
  const std::string topology = testing::write_topology(dir, 4, training);
  set_devices(topology, first);
  const auto run_dir = dir.path() / "run";
  REQUIRE(run_gossip_command({"launch", topology, "--run-dir", run_dir.string()}, dir.file("first.log")) == 0);
  std::vector<std::string> straight;
  for (int peer = 0; peer < 4; ++peer) straight.push_back(load_checkpoint(final_model_path(run_dir, peer)).find("model")->bytes);
  const double straight_accuracy = mean_final_accuracy(run_dir, 4);

  // The second half again, from the checkpoint of round 100, on the CPU.
  set_devices(run_dir / "topology.json", "cpu");
  REQUIRE(run_gossip_command({"launch", "--resume", "--run-dir", run_dir.string()}, dir.file("resumed.log")) == 0);
  CHECK(contains(read_file(dir.file("resumed.log")), "resuming every peer from round 100"));
  CHECK(contains(read_file(log_path(run_dir, 0)), "task mlp on cpu"));
  INFO("first on " << first << ": accuracy " << straight_accuracy << ", resumed on cpu: " << mean_final_accuracy(run_dir, 4));
  if (first == "cpu") {
    for (int peer = 0; peer < 4; ++peer) {
      CHECK_MESSAGE(load_checkpoint(final_model_path(run_dir, peer)).find("model")->bytes == straight[peer], "peer ", peer);
    }
  } else {
    CHECK(std::abs(mean_final_accuracy(run_dir, 4) - straight_accuracy) <= 0.02);
  }
}
