// Top-k and QSGD encoding written once for either device (algorithms/compressors/), on a
// stand-in device whose memory is its own, as a GPU's is, and on a GPU where one is visible:
// the same bytes as the CPU's, for sizes 0, 1, odd and large (top-k's ties included; QSGD's
// given the same norm, which the GPU sums in another order); and the twin is what
// make_compressor gives a peer on a kind of device that registered it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "algorithms/compressors/qsgd.h"
#include "algorithms/compressors/top_k.h"
#include "algorithms/registry.h"
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

// Random values, a run of equal magnitudes (ties go to the lower index) and a NaN.
std::vector<float> values_of(std::size_t length, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<float> values = testing::random_normal(length, rng);
  for (std::size_t i = 0; i < length; i += 7) values[i] = (i % 2 ? -3.5f : 3.5f);
  if (length > 100) values[100] = std::numeric_limits<float>::quiet_NaN();
  return values;
}

template <typename Device>
void require_same_bytes(const char* device) {
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{1001}, std::size_t{1} << 20}) {
    for (const SparseCount kept : {SparseCount{0.01, 0}, SparseCount{0, 1}, SparseCount{1.0, 0}}) {
      INFO(device << ": length " << length << ", fraction " << kept.fraction << ", count " << kept.count);
      const std::vector<float> values = values_of(length, static_cast<uint32_t>(length + 1));
      std::vector<uint8_t> on_device, on_cpu;
      const auto device_bytes = BasicTopK<Device>(kept).encode(values, 0, on_device);
      const auto cpu_bytes = TopK(kept).encode(values, 0, on_cpu);
      CHECK(std::vector<uint8_t>(device_bytes.begin(), device_bytes.end()) ==
            std::vector<uint8_t>(cpu_bytes.begin(), cpu_bytes.end()));
    }
  }
}

std::vector<uint8_t> bytes_of(std::span<const uint8_t> bytes) { return {bytes.begin(), bytes.end()}; }

// QSGD's bytes on Device against the CPU's, for 2, 4 and 8 bits a value: the norm within a
// float's last bit, and the codes equal where the norms are.
template <typename Device>
void require_same_qsgd(const char* device) {
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{1001}, std::size_t{1} << 20}) {
    for (int levels : {1, 7, 127}) {
      INFO(device << ": length " << length << ", levels " << levels);
      std::vector<float> values = values_of(length, static_cast<uint32_t>(length + 3));
      if (length > 100) values[100] = 0.25f;  // no NaN: QSGD's norm would make every level 0
      std::vector<uint8_t> on_device, on_cpu;
      const auto device_bytes = bytes_of(BasicQsgd<Device>(levels).encode(values, 77, on_device));
      const auto cpu_bytes = bytes_of(Qsgd(levels).encode(values, 77, on_cpu));
      REQUIRE(device_bytes.size() == cpu_bytes.size());
      float device_norm, cpu_norm;
      std::memcpy(&device_norm, device_bytes.data(), 4);
      std::memcpy(&cpu_norm, cpu_bytes.data(), 4);
      CHECK(std::abs(device_norm - cpu_norm) <= cpu_norm * std::numeric_limits<float>::epsilon());
      if (device_norm == cpu_norm) CHECK(device_bytes == cpu_bytes);
    }
  }
}

}  // namespace

TEST_CASE("QSGD on a device with memory of its own: the CPU's bytes, the vector staged once per message") {
  SeparateMemory::staged = 0;
  require_same_qsgd<SeparateMemory>("stand-in device");
  CHECK(SeparateMemory::staged == 4 * 3);
}

TEST_CASE("top-k on a device with memory of its own: the CPU's bytes, the vector staged once per message") {
  SeparateMemory::staged = 0;
  require_same_bytes<SeparateMemory>("stand-in device");
  CHECK(SeparateMemory::staged == 4 * 3);
  // A compressor reused message after message keeps giving the CPU's bytes.
  BasicTopK<SeparateMemory> device(SparseCount{0.1, 0});
  TopK cpu(SparseCount{0.1, 0});
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    const std::vector<float> values = values_of(500 + seed, seed);
    std::vector<uint8_t> a, b;
    const auto from_device = device.encode(values, seed, a);
    const auto from_cpu = cpu.encode(values, seed, b);
    CHECK(std::vector<uint8_t>(from_device.begin(), from_device.end()) == std::vector<uint8_t>(from_cpu.begin(), from_cpu.end()));
    FloatBuffer decoded;
    CHECK(device.decode(from_device, values.size(), decoded).has_value());
  }
}

TEST_CASE("make_compressor: a peer on a kind of device gets that device's twin, its options checked as the CPU's") {
  int made = 0;
  register_compressor(
      "top_k",
      [&made](const JsonReader& options) {
        ++made;
        return make_top_k<SeparateMemory>(options);
      },
      "test-device");
  CHECK(make_compressor("top_k", {{"fraction", 0.01}}, "test-device") != nullptr);
  CHECK(make_compressor("top_k", {{"fraction", 0.01}}, "cpu") != nullptr);
  CHECK(make_compressor("qsgd", {{"levels", 4}}, "test-device") != nullptr);
  CHECK(made == 1);
  CHECK_THROWS_AS(make_compressor("top_k", {{"fraction", 0.01}, {"count", 3}}, "test-device"), ConfigError);
  CHECK_THROWS_WITH_AS(make_compressor("topk", nlohmann::json::object(), "test-device"),
                       doctest::Contains("unknown compressor \"topk\""), ConfigError);
  AlgorithmSettings settings{.algorithm = "choco", .compressor = "top_k",
                             .compressor_options = {{"fraction", 0.1}}, .consensus_step = 0.5,
                             .device_kind = "test-device"};
  CHECK(make_algorithm(settings, 0, 40, 1) != nullptr);
  CHECK(made == 3);
  register_compressor("top_k", nullptr, "test-device");
  CHECK(make_compressor("top_k", {{"fraction", 0.01}}, "test-device") != nullptr);
  CHECK(made == 3);
}

TEST_CASE("top-k and QSGD on the GPU: top-k's bytes the CPU's, QSGD's norm to its last bit and its codes for the same norm") {
#if !GOSSIP_HAVE_CUDA
  MESSAGE("SKIPPED: this build has no CUDA (configure with -DGOSSIP_CUDA=ON where nvcc is)");
#else
  if (cuda::device_count() == 0) {
    MESSAGE("SKIPPED: " << cuda::describe_devices());
    return;
  }
  cuda::use_device(0);
  require_same_bytes<CudaDevice>("GPU");
  require_same_qsgd<CudaDevice>("GPU");
#endif
}
