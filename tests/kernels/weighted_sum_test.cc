#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include "gossip/config.h"
#include "kernels/weighted_sum.h"
#include "support/random_values.h"
#if GOSSIP_HAVE_CUDA
#include <cuda_runtime.h>

#include "kernels/cuda/device.h"
#endif

using namespace gossip;

TEST_CASE("cpu weighted_sum: exact on small integers, in place into the first input") {
  std::vector<float> own = {1, 2, 3}, left = {4, 5, 6}, right = {7, 8, 9};
  const float* inputs[] = {own.data(), left.data(), right.data()};
  const double weights[] = {0.5, 0.25, 0.25};
  cpu::weighted_sum(inputs, weights, own.data(), 3);
  CHECK(own == std::vector<float>{3.25f, 4.25f, 5.25f});
  CHECK_THROWS_AS(cpu::weighted_sum(inputs, std::span<const double>(weights, 2), own.data(), 3),
                  std::invalid_argument);
}

TEST_CASE("cpu weighted_sum: sums in double and rounds once, across block edges and in place") {
  std::mt19937 rng(11);
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{1023}, std::size_t{1024}, std::size_t{1025},
                             std::size_t{5000}}) {
    INFO("length " << length);
    std::vector<std::vector<float>> terms;
    for (int k = 0; k < 3; ++k) terms.push_back(testing::random_normal(length, rng));
    const double third = 1.0 / 3;
    const double weights[] = {third, third, third};
    std::vector<float> expected(length);
    for (std::size_t i = 0; i < length; ++i) {
      expected[i] = static_cast<float>(third * terms[0][i] + third * terms[1][i] + third * terms[2][i]);
    }
    const float* inputs[] = {terms[0].data(), terms[1].data(), terms[2].data()};
    cpu::weighted_sum(inputs, weights, terms[0].data(), length);
    // In double and rounded once: equal, or one float32 ulp apart where the compiler fused a
    // multiply-add in one of the two double sums and not in the other.
    for (std::size_t i = 0; i < length; ++i) {
      const float got = terms[0][i], want = expected[i];
      REQUIRE((got == want || got == std::nextafter(want, 1e30f) || got == std::nextafter(want, -1e30f)));
    }
  }
}

TEST_CASE("cuda weighted_sum matches cpu for sizes 0, 1, odd and large") {
#if !GOSSIP_HAVE_CUDA
  MESSAGE("SKIPPED: this build has no CUDA (configure with -DGOSSIP_CUDA=ON)");
#else
  if (cuda::device_count() == 0) {
    MESSAGE("SKIPPED: " << cuda::describe_devices());
    return;
  }
  std::mt19937 rng(3);
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{1001}, std::size_t{1} << 22}) {
    std::vector<std::vector<float>> hosts;
    for (int k = 0; k < 4; ++k) hosts.push_back(testing::random_normal(length, rng));
    const double weights[] = {0.4, 0.2, 0.3, 0.1};
    std::vector<float*> devices(4);
    const float* host_inputs[4];
    for (int k = 0; k < 4; ++k) {
      REQUIRE(cudaMalloc(&devices[k], std::max<std::size_t>(length, 1) * sizeof(float)) == cudaSuccess);
      cudaMemcpy(devices[k], hosts[k].data(), length * sizeof(float), cudaMemcpyHostToDevice);
      host_inputs[k] = hosts[k].data();
    }
    const float* device_inputs[] = {devices[0], devices[1], devices[2], devices[3]};
    float* device_out = nullptr;
    REQUIRE(cudaMalloc(&device_out, std::max<std::size_t>(length, 1) * sizeof(float)) == cudaSuccess);
    cuda::weighted_sum(device_inputs, weights, device_out, length);
    std::vector<float> expected(length), got(length);
    cpu::weighted_sum(host_inputs, weights, expected.data(), length);
    REQUIRE(cudaMemcpy(got.data(), device_out, length * sizeof(float), cudaMemcpyDeviceToHost) == cudaSuccess);
    for (std::size_t i = 0; i < length; ++i) {
      // Both sum in double and round once; fused multiply-adds may differ in the last
      // double place, which can move the float result by one ulp.
      REQUIRE(std::abs(got[i] - expected[i]) <= 1.2e-7f * std::abs(expected[i]));
    }
    for (float* d : devices) cudaFree(d);
    cudaFree(device_out);
  }
#endif
}
