// The robust aggregators written once for any device (staged_vectors.h), on a stand-in
// device whose memory is its own, as a GPU's is: every vector must be staged, the result
// written on the device and brought back. They must give the CPU aggregators' results bit
// for bit, run as the CPU's past the device's limit on inputs, and be what make_aggregator
// gives a peer on a kind of device that registered them. On a GPU, against the CPU's.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "algorithms/aggregators/coordinate_median.h"
#include "algorithms/aggregators/geometric_median.h"
#include "algorithms/aggregators/krum.h"
#include "algorithms/aggregators/trimmed_mean.h"
#include "algorithms/registry.h"
#include "common/config_error.h"
#include "gossip/config.h"
#include "support/random_values.h"
#include "support/separate_memory.h"
#if GOSSIP_HAVE_CUDA
#include "kernels/cuda/cuda_device.h"
#include "kernels/cuda/device.h"
#endif

using namespace gossip;

namespace {

using testing::SeparateMemory;

struct Round {
  std::vector<float> own;
  std::vector<std::vector<float>> sent;
  std::vector<Contribution> neighbours;
};

// Six neighbours of peer 0: peer 3 missing, peer 5 with a NaN; 1001 values each.
Round round_of(uint32_t seed) {
  std::mt19937 rng(seed);
  Round round{testing::random_normal(1001, rng), {}, {}};
  for (int peer = 1; peer <= 6; ++peer) round.sent.push_back(testing::random_normal(1001, rng));
  round.sent[4][500] = std::numeric_limits<float>::quiet_NaN();
  for (int peer = 1; peer <= 6; ++peer) {
    const bool missing = peer == 3;
    round.neighbours.push_back({peer, 1.0 / 7, missing ? std::span<const float>() : std::span<const float>(round.sent[peer - 1])});
  }
  return round;
}

// |device - cpu| <= tolerance * (1 + |cpu|) for every value (0: bit for bit), and the same
// neighbours left out.
void require_same(Aggregator& on_device, Aggregator& on_cpu, uint32_t seed, const char* name, double tolerance = 0) {
  INFO(name << ", seed " << seed);
  Round device_round = round_of(seed), cpu_round = round_of(seed);
  const AggregateReport device_report = on_device.aggregate(device_round.own, 1.0 / 7, device_round.neighbours);
  const AggregateReport cpu_report = on_cpu.aggregate(cpu_round.own, 1.0 / 7, cpu_round.neighbours);
  CHECK(device_report.missing == cpu_report.missing);
  CHECK(device_report.missing == std::vector<int>{3, 5});
  REQUIRE(device_round.own.size() == cpu_round.own.size());
  CHECK(device_round.own != round_of(seed).own);  // it combined something
  for (std::size_t k = 0; k < cpu_round.own.size(); ++k) {
    const double cpu = cpu_round.own[k], difference = std::abs(device_round.own[k] - cpu);
    if (!(difference <= tolerance * (1 + std::abs(cpu)))) FAIL("value " << k << ": " << device_round.own[k] << " against " << cpu);
  }
}

struct Twins {
  const char* name;
  std::unique_ptr<Aggregator> on_device, on_cpu;
  double tolerance;  // on a GPU; the stand-in device is held to 0
};

// The four aggregators written for any device, each beside its CPU instance.
template <typename Device>
std::vector<Twins> twins() {
  std::vector<Twins> all;
  all.push_back({"median", std::make_unique<BasicCoordinateMedian<Device>>(), std::make_unique<CoordinateMedian>(), 0});
  all.push_back({"trimmed mean", std::make_unique<BasicTrimmedMean<Device>>(1), std::make_unique<TrimmedMean>(1), 0});
  // multi-Krum: two of the five averaged, with the weighted sum (in double, rounded once)
  all.push_back({"krum", std::make_unique<BasicKrum<Device>>(1, 2), std::make_unique<Krum>(1, 2), 1e-7});
  // distances summed in another order move Weiszfeld's weights by about 1e-7
  all.push_back({"geometric median", std::make_unique<BasicGeometricMedian<Device>>(8, 1e-6),
                 std::make_unique<GeometricMedian>(8, 1e-6), 1e-5});
  return all;
}

}  // namespace

TEST_CASE("the robust aggregators on a device with memory of its own: the CPU's results bit for bit") {
  SeparateMemory::staged = SeparateMemory::kernel_runs = 0;
  std::vector<Twins> all = twins<SeparateMemory>();
  for (uint32_t seed = 1; seed <= 3; ++seed) {  // the device's buffers are reused round to round
    for (Twins& pair : all) require_same(*pair.on_device, *pair.on_cpu, seed, pair.name);
  }
  // Each vector (the own and the four usable neighbours') crosses once per aggregate; the
  // kernels: median 1, trimmed mean 1, Krum 2 (distances, mean), Weiszfeld 1 + 8 x (5 + 1).
  CHECK(SeparateMemory::staged == 3 * 4 * 5);
  CHECK(SeparateMemory::kernel_runs == 3 * (1 + 1 + 2 + 49));
  // Alone, the peer keeps its own vector, and nothing crosses.
  std::vector<float> own{1, 2, 3};
  const std::vector<Contribution> absent{{1, 0.5, {}}};
  for (Twins& pair : all) {
    CHECK(pair.on_device->aggregate(own, 0.5, absent).missing == std::vector<int>{1});
    CHECK(own == std::vector<float>{1, 2, 3});
  }
  CHECK(SeparateMemory::staged == 3 * 4 * 5);
  // The checks of the neighbourhood's size are the CPU's.
  CHECK_THROWS_AS(all[1].on_device->check(2), ConfigError);
  CHECK_NOTHROW(all[1].on_device->check(3));
  CHECK_THROWS_AS(all[2].on_device->check(3), ConfigError);
  CHECK_NOTHROW(all[2].on_device->check(4));
}

TEST_CASE("past the device's limit on inputs, the robust aggregators run as the CPU's, with the same result") {
  SeparateMemory::staged = SeparateMemory::kernel_runs = 0;
  SeparateMemory::kMaxInputs = 4;  // 5 usable vectors
  std::vector<Twins> all = twins<SeparateMemory>();
  for (Twins& pair : all) require_same(*pair.on_device, *pair.on_cpu, 9, pair.name);
  SeparateMemory::kMaxInputs = 32;
  CHECK(SeparateMemory::kernel_runs == 0);
  CHECK(SeparateMemory::staged == 0);
}

TEST_CASE("make_aggregator: a peer on a kind of device gets that device's twin, checked as the CPU's") {
  int made = 0;
  register_aggregator(
      "median",
      [&made](const JsonReader& options) {
        ++made;
        return make_coordinate_median<SeparateMemory>(options);
      },
      "test-device");
  CHECK(make_aggregator("median", nlohmann::json::object(), "test-device") != nullptr);
  CHECK(made == 1);
  // Wrapped in nearest-neighbour mixing as the CPU's is.
  CHECK(make_aggregator("median", {{"nnm", 1}}, "test-device") != nullptr);
  CHECK(made == 2);
  // The CPU's and other kinds' peers keep the CPU's; names and options are checked alike.
  CHECK(make_aggregator("median", nlohmann::json::object(), "cpu") != nullptr);
  CHECK(make_aggregator("trimmed_mean", {{"f", 1}}, "test-device") != nullptr);
  CHECK(made == 2);
  CHECK_THROWS_WITH_AS(make_aggregator("medain", nlohmann::json::object(), "test-device"),
                       doctest::Contains("unknown aggregator \"medain\""), ConfigError);
  CHECK_THROWS_AS(make_aggregator("median", {{"f", 1}}, "test-device"), ConfigError);
  AlgorithmSettings settings{.aggregator = "median", .device_kind = "test-device"};
  CHECK(make_algorithm(settings, 0, 4, 1) != nullptr);
  CHECK(made == 4);
  register_aggregator("median", nullptr, "test-device");
}

TEST_CASE("the robust aggregators on the GPU: the CPU's results, bit for bit where the kernels are exact") {
#if !GOSSIP_HAVE_CUDA
  MESSAGE("SKIPPED: this build has no CUDA (configure with -DGOSSIP_CUDA=ON where nvcc is)");
#else
  if (cuda::device_count() == 0) {
    MESSAGE("SKIPPED: " << cuda::describe_devices());
    return;
  }
  cuda::use_device(0);
  std::vector<Twins> all = twins<CudaDevice>();
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    for (Twins& pair : all) require_same(*pair.on_device, *pair.on_cpu, seed, pair.name, pair.tolerance);
  }
#endif
}
