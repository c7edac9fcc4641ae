// A GPU as a device of the code written once for either (kernels/cpu_device.h is the
// CPU's): the CUDA twins of the kernels, device memory, and staging that copies a host
// buffer to the GPU and back. Every call works on the current device (cuda::use_device).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <span>
#include <vector>

#include "kernels/cuda/check.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/compression.h"
#include "kernels/dense.h"
#include "kernels/distances.h"
#include "kernels/order_statistics.h"
#include "kernels/sgd_step.h"
#include "kernels/weighted_sum.h"

namespace gossip {

struct CudaDevice {
  static constexpr const char* kName = "CudaMlp";
  using Buffer = cuda::DeviceBuffer<float>;
  // Scratch only: what the buffer held is not kept.
  static void resize(Buffer& buffer, std::size_t size) {
    if (buffer.size() != size) buffer = Buffer(size);
  }
  static void zero(Buffer& buffer, std::size_t size) {
    resize(buffer, size);
    cuda::check(cudaMemset(buffer.data(), 0, size * sizeof(float)), "cudaMemset");
  }

  // A host buffer copied into `staging` on the GPU; the device copy is what the kernels take.
  static std::span<float> stage(std::span<float> host, Buffer& staging) {
    upload(host, staging);
    return {staging.data(), host.size()};
  }
  static std::span<const float> stage(std::span<const float> host, Buffer& staging) {
    upload(host, staging);
    return {staging.data(), host.size()};
  }
  // Device memory for a result that unstage() then copies into `host`.
  static std::span<float> output(std::span<float> host, Buffer& staging) {
    resize(staging, host.size());
    return {staging.data(), host.size()};
  }
  // Waits for the kernels queued before it (cudaMemcpy synchronises with the default stream).
  static void unstage(std::span<const float> device, std::span<float> host) {
    if (host.empty()) return;
    cuda::check(cudaMemcpy(host.data(), device.data(), host.size_bytes(), cudaMemcpyDeviceToHost),
                "cudaMemcpy from the GPU");
  }
  static std::vector<float> download(const Buffer& buffer) { return buffer.download(); }
  // Device memory of `size` Ts, for a kernel's result (what it held is not kept).
  template <typename T>
  using Array = cuda::DeviceBuffer<T>;
  template <typename T>
  static T* allocate(Array<T>& array, std::size_t size) {
    if (array.size() != size) array = Array<T>(size);
    return array.data();
  }
  // `size` Ts of device memory as the host reads them: copied into `host`.
  template <typename T>
  static std::span<const T> to_host(const T* device, std::size_t size, std::vector<T>& host) {
    host.resize(size);
    if (size > 0) {
      cuda::check(cudaMemcpy(host.data(), device, size * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy from the GPU");
    }
    return host;
  }
  static void upload(std::span<const float> host, Buffer& buffer) {
    resize(buffer, host.size());
    buffer.upload(host);
  }

  static constexpr auto dense_forward = &cuda::dense_forward;
  static constexpr auto dense_backward = &cuda::dense_backward;
  static constexpr auto relu_forward = &cuda::relu_forward;
  static constexpr auto relu_backward = &cuda::relu_backward;
  static constexpr auto softmax_cross_entropy = &cuda::softmax_cross_entropy;
  static constexpr auto sgd_step = &cuda::sgd_step;
  static constexpr auto add_scaled = &cuda::add_scaled;
  // The compressors' kernels (algorithms/compressors/).
  static constexpr auto top_k_indices = &cuda::top_k_indices;
  static constexpr auto gather = &cuda::gather;
  static constexpr auto sum_of_squares = &cuda::sum_of_squares;
  static constexpr auto qsgd_codes = &cuda::qsgd_codes;
  // The robust aggregators' kernels (algorithms/aggregators/staged_vectors.h).
  static constexpr std::size_t kMaxInputs = cuda::kMaxInputs;
  static constexpr auto coordinate_median = &cuda::coordinate_median;
  static constexpr auto trimmed_mean = &cuda::trimmed_mean;
  static constexpr auto weighted_sum = &cuda::weighted_sum;
  static constexpr auto squared_distance = &cuda::squared_distance;
  static constexpr auto pairwise_squared_distances = &cuda::pairwise_squared_distances;
};

}  // namespace gossip
