// The CPU as a device of the code written once for either (the MLP's passes in
// runtime/tasks/mlp_passes.h, the trainer in runtime/trainer_passes.h, the robust
// aggregators and top-k in algorithms/): its kernels, and memory that is the host's own, so
// staging a host buffer is a view of it and costs nothing. kernels/cuda/cuda_device.h is
// the GPU's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernels/compression.h"
#include "kernels/dense.h"
#include "kernels/distances.h"
#include "kernels/float_buffer.h"
#include "kernels/order_statistics.h"
#include "kernels/sgd_step.h"
#include "kernels/weighted_sum.h"

namespace gossip {

struct CpuDevice {
  static constexpr const char* kName = "Mlp";
  using Buffer = FloatBuffer;
  // Scratch: what the buffer held is not kept.
  static void resize(Buffer& buffer, std::size_t size) { buffer.resize(size); }
  static void zero(Buffer& buffer, std::size_t size) { buffer.assign(size, 0.0f); }

  // A host buffer as the kernels take it: itself.
  static std::span<float> stage(std::span<float> host, Buffer&) { return host; }
  static std::span<const float> stage(std::span<const float> host, Buffer&) { return host; }
  static std::span<float> output(std::span<float> host, Buffer&) { return host; }
  // Results back into host memory: there already.
  static void unstage(std::span<const float> device, std::span<float> host) {
    if (device.data() != host.data()) std::copy(device.begin(), device.end(), host.begin());
  }
  static std::vector<float> download(const Buffer& buffer) { return {buffer.begin(), buffer.end()}; }
  // Memory of `size` Ts, for a kernel's result (what it held is not kept).
  template <typename T>
  using Array = std::vector<T>;
  template <typename T>
  static T* allocate(Array<T>& array, std::size_t size) {
    array.resize(size);
    return array.data();
  }
  // `size` Ts of the device's memory as the host reads them: themselves.
  template <typename T>
  static std::span<const T> to_host(const T* device, std::size_t size, std::vector<T>&) {
    return {device, size};
  }
  static void upload(std::span<const float> host, Buffer& buffer) { buffer.assign(host.begin(), host.end()); }

  static constexpr auto dense_forward = &cpu::dense_forward;
  static constexpr auto dense_backward = &cpu::dense_backward;
  static constexpr auto relu_forward = &cpu::relu_forward;
  static constexpr auto relu_backward = &cpu::relu_backward;
  static constexpr auto softmax_cross_entropy = &cpu::softmax_cross_entropy;
  static constexpr auto sgd_step = &cpu::sgd_step;
  // The compressors' kernels (algorithms/compressors/).
  static constexpr auto top_k_indices = &cpu::top_k_indices;
  static constexpr auto gather = &cpu::gather;
  static constexpr auto sum_of_squares = &cpu::sum_of_squares;
  static constexpr auto qsgd_codes = &cpu::qsgd_codes;
  // The robust aggregators' kernels (algorithms/aggregators/staged_vectors.h).
  static constexpr std::size_t kMaxInputs = SIZE_MAX;  // the most vectors one kernel takes
  static constexpr auto coordinate_median = &cpu::coordinate_median;
  static constexpr auto trimmed_mean = &cpu::trimmed_mean;
  static constexpr auto weighted_sum = &cpu::weighted_sum;
  static constexpr auto squared_distance = &cpu::squared_distance;
  static constexpr auto pairwise_squared_distances = &cpu::pairwise_squared_distances;
  // out += scale * x, a multiply and an add each rounded (-ffp-contract=off): as the CUDA
  // twin rounds, and as the peer loop did before trainers.
  static void add_scaled(float* out, float scale, const float* x, std::size_t length) {
    for (std::size_t k = 0; k < length; ++k) out[k] += scale * x[k];
  }
};

}  // namespace gossip
