// Device resolution (runtime/compute_device.h) with a stand-in GPU side, so every branch
// runs on a machine without a GPU: "cuda" spread over a host's GPUs, and the errors for a
// program without CUDA, a machine without a usable GPU, an index past the visible ones and
// a task with no GPU implementation.
#include <doctest/doctest.h>

#include "common/config_error.h"
#include "runtime/compute_device.h"
#include "runtime/task.h"
#include "runtime/training_config.h"

using namespace gossip;

namespace {

TopologyFile file_of(const std::vector<std::pair<std::string, std::string>>& hosts_and_devices) {
  TopologyFile file;
  for (size_t i = 0; i < hosts_and_devices.size(); ++i) {
    file.peers.push_back({static_cast<int>(i), hosts_and_devices[i].first, 7000 + static_cast<int>(i), "",
                          hosts_and_devices[i].second});
  }
  return file;
}

// Registers a GPU side that reports `gpus` devices for one test case, and takes it away after.
struct FakeGpus {
  explicit FakeGpus(int gpus) {
    register_gpu_support({[gpus] { return gpus; },
                          [gpus] { return gpus ? std::to_string(gpus) + " GPUs: Fake" : "no usable GPU (no driver)"; },
                          nullptr, nullptr});
  }
  ~FakeGpus() { register_gpu_support({}); }
};

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("device cuda: the peers of one host that ask for it take its GPUs in turn, in id order") {
  const TopologyFile file = file_of({{"10.0.0.1", "cuda"}, {"10.0.0.1", "cpu"}, {"10.0.0.1", "cuda"},
                                     {"10.0.0.2", "cuda"}, {"10.0.0.1", "cuda"}, {"10.0.0.1", "cuda:1"}});
  CHECK(spread_gpu(file, 0, 2) == 0);
  CHECK(spread_gpu(file, 2, 2) == 1);
  CHECK(spread_gpu(file, 4, 2) == 0);  // the third "cuda" peer of 10.0.0.1, on 2 GPUs
  CHECK(spread_gpu(file, 3, 2) == 0);  // the first of its own host
  CHECK(spread_gpu(file, 4, 3) == 2);
  FakeGpus gpus(2);
  CHECK(resolve_device(file, 0, "f.json") == "cuda:0");
  CHECK(resolve_device(file, 2, "f.json") == "cuda:1");
  CHECK(resolve_device(file, 1, "f.json") == "cpu");
  CHECK(resolve_device(file, 5, "f.json") == "cuda:1");
  CHECK(resolve_device(file, 1, "f.json", "cuda:1") == "cuda:1");  // --device over the file
  CHECK(resolve_device(file, 0, "f.json", "cpu") == "cpu");
}

TEST_CASE("device: a GPU that cannot be used here is refused, naming the file, peer and reason") {
  const TopologyFile file = file_of({{"127.0.0.1", "cuda:0"}, {"127.0.0.1", "cuda:2"}, {"127.0.0.1", "cpu"}});
  SUBCASE("a program without a GPU side") {
    register_gpu_support({});
    CHECK(error_of([&] { resolve_device(file, 0, "f.json"); }).find("f.json: peers[0].device is \"cuda:0\", but this "
                                                                    "program was built without CUDA") == 0);
    CHECK(resolve_device(file, 2, "f.json") == "cpu");
  }
  SUBCASE("no usable GPU") {
    FakeGpus gpus(0);
    CHECK(error_of([&] { resolve_device(file, 0, "f.json"); }) ==
          "f.json: peers[0].device is \"cuda:0\", but this machine has no usable GPU (no driver); set it to \"cpu\" "
          "or run the peer where a GPU is");
  }
  SUBCASE("an index past the visible GPUs") {
    FakeGpus gpus(2);
    CHECK(error_of([&] { resolve_device(file, 1, "f.json"); }).find("f.json: peers[1].device is \"cuda:2\", but 2 GPUs "
                                                                    "are visible here") == 0);
    CHECK(error_of([&] { resolve_device(file, 2, "f.json", "cuda:7"); }).find("--device (peer 2) is \"cuda:7\"") == 0);
  }
  SUBCASE("a --device that names no device") {
    CHECK(error_of([&] { resolve_device(file, 2, "f.json", "gpu0"); }) ==
          "--device \"gpu0\": expected \"cpu\", \"cuda\" or \"cuda:N\"");
  }
}

TEST_CASE("make_task: a task without an implementation on the peer's kind of device is refused by name") {
  const TrainingConfig config = parse_training_config({{"task", "least_squares"}}, 3);
  CHECK(error_of([&] { make_task({1, 4, config, "cuda:0"}); }) ==
        "training.task \"least_squares\" has no cuda implementation (it runs on: cpu); peer 1's device is \"cuda:0\"");
  CHECK(make_task({1, 4, config, "cpu"}) != nullptr);
  const TrainingConfig unknown = parse_training_config({{"task", "nope"}}, 3);
  CHECK(error_of([&] { make_task({1, 4, unknown, "cuda:0"}); }).find("training.task: unknown task \"nope\"") == 0);
}

TEST_CASE("device channels: a peer's neighbours on other GPUs of its host, the same from both ends") {
  // Host 10.0.0.1: peers 0 (cuda:0), 1 (cuda:1), 2 (cpu), 3 ("cuda": the first to ask, so
  // GPU 0) and 5 (cuda:7, past the 2 GPUs); peer 4 is on another host.
  const TopologyFile file = file_of({{"10.0.0.1", "cuda:0"}, {"10.0.0.1", "cuda:1"}, {"10.0.0.1", "cpu"},
                                     {"10.0.0.1", "cuda"}, {"10.0.0.2", "cuda:1"}, {"10.0.0.1", "cuda:7"}});
  const std::vector<int> all{0, 1, 2, 3, 4, 5};
  auto others = [&](int id) {
    std::vector<int> neighbours;
    for (int peer : all) {
      if (peer != id) neighbours.push_back(peer);
    }
    return neighbours;
  };
  CHECK(channel_neighbours(file, others(0), 0, 0, 2) == std::vector<int>{1});  // 3 shares GPU 0: no NCCL on one GPU
  CHECK(channel_neighbours(file, others(1), 1, 1, 2) == std::vector<int>{0, 3});
  CHECK(channel_neighbours(file, others(3), 3, 0, 2) == std::vector<int>{1});
  CHECK(channel_neighbours(file, others(4), 4, 1, 2).empty());
  CHECK(channel_neighbours(file, std::vector<int>{2}, 1, 1, 2).empty());  // only the listed neighbours count
}
