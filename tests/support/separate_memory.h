// A stand-in device for the code written once for either device (kernels/cpu_device.h's
// interface): the CPU's kernels, but memory of its own, as a GPU's is. Every vector must be
// staged into it and every result brought back, and what a kernel should have written is
// poisoned beforehand, so a path that reads host memory where it should read the device's,
// or forgets a copy, shows. It counts what crossed and what ran.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "kernels/compression.h"
#include "kernels/distances.h"
#include "kernels/order_statistics.h"
#include "kernels/weighted_sum.h"

namespace gossip::testing {

struct SeparateMemory {
  using Buffer = std::vector<float>;
  template <typename T>
  using Array = std::vector<T>;
  static inline std::size_t kMaxInputs = 32;  // a test may lower it
  static inline int staged = 0;               // host vectors copied in
  static inline int kernel_runs = 0;          // the aggregators' kernels run

  static void resize(Buffer& buffer, std::size_t size) { buffer.assign(size, std::numeric_limits<float>::quiet_NaN()); }
  static std::span<const float> stage(std::span<const float> host, Buffer& buffer) {
    buffer.assign(host.begin(), host.end());
    ++staged;
    return buffer;
  }
  static std::span<float> output(std::span<float> host, Buffer& buffer) {
    resize(buffer, host.size());
    return buffer;
  }
  static void unstage(std::span<const float> device, std::span<float> host) {
    std::copy(device.begin(), device.end(), host.begin());
  }
  template <typename T>
  static T* allocate(Array<T>& array, std::size_t size) {
    array.assign(size, std::numeric_limits<T>::max());
    return array.data();
  }
  template <typename T>
  static std::span<const T> to_host(const T* device, std::size_t size, std::vector<T>& host) {
    host.assign(device, device + size);
    return host;
  }

  static constexpr auto top_k_indices = &cpu::top_k_indices;
  static constexpr auto gather = &cpu::gather;
  static constexpr auto sum_of_squares = &cpu::sum_of_squares;
  static constexpr auto qsgd_codes = &cpu::qsgd_codes;
  static void coordinate_median(std::span<const float* const> inputs, float* out, std::size_t length) {
    ++kernel_runs;
    cpu::coordinate_median(inputs, out, length);
  }
  static void trimmed_mean(std::span<const float* const> inputs, std::size_t trim, float* out, std::size_t length) {
    ++kernel_runs;
    cpu::trimmed_mean(inputs, trim, out, length);
  }
  static void weighted_sum(std::span<const float* const> inputs, std::span<const double> weights, float* out,
                           std::size_t length) {
    ++kernel_runs;
    cpu::weighted_sum(inputs, weights, out, length);
  }
  static double squared_distance(const float* a, const float* b, std::size_t length) {
    ++kernel_runs;
    return cpu::squared_distance(a, b, length);
  }
  static std::vector<double> pairwise_squared_distances(std::span<const float* const> inputs, std::size_t length) {
    ++kernel_runs;
    return cpu::pairwise_squared_distances(inputs, length);
  }
};

}  // namespace gossip::testing
