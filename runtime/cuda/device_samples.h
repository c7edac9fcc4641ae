// A set of labelled images in GPU memory, uploaded once, and the minibatch last gathered
// from it on the GPU: the twin of runtime/tasks/host_samples.h. Only a batch's indices
// cross to the device per step.
#pragma once

#include <cstdint>
#include <span>

#include "kernels/cuda/device_buffer.h"
#include "kernels/gather.h"
#include "runtime/data/fashion_mnist.h"

namespace gossip {

class DeviceSamples {
 public:
  explicit DeviceSamples(const LabeledImages& data)
      : count_(data.count),
        pixels_per_image_(data.pixels_per_image),
        pixels_(std::span<const uint8_t>(data.pixels)),
        row_labels_(std::span<const uint8_t>(data.labels)),
        table_(std::span<const float>(normalised_pixels())) {}
  int count() const { return count_; }
  void fill(std::span<const int> indices) {
    check_sample_indices(count_, indices);
    if (indices_.size() < indices.size()) {
      indices_ = cuda::DeviceBuffer<int>(indices.size());
      images_ = cuda::DeviceBuffer<float>(indices.size() * static_cast<size_t>(pixels_per_image_));
      labels_ = cuda::DeviceBuffer<uint8_t>(indices.size());
    }
    cuda::check(cudaMemcpy(indices_.data(), indices.data(), indices.size_bytes(), cudaMemcpyHostToDevice),
                "cudaMemcpy of a batch's indices");
    cuda::gather_rows(pixels_.data(), static_cast<size_t>(pixels_per_image_), row_labels_.data(), indices_.data(),
                      indices.size(), table_.data(), images_.data(), labels_.data());
  }
  const float* images() const { return images_.data(); }
  const uint8_t* labels() const { return labels_.data(); }

 private:
  int count_, pixels_per_image_;
  cuda::DeviceBuffer<uint8_t> pixels_, row_labels_;
  cuda::DeviceBuffer<float> table_;
  cuda::DeviceBuffer<int> indices_;
  cuda::DeviceBuffer<float> images_;
  cuda::DeviceBuffer<uint8_t> labels_;
};

}  // namespace gossip
