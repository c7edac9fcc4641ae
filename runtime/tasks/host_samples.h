// A set of labelled images in host memory, and the minibatch last gathered from it: what
// the MLP task (runtime/tasks/mlp_task.h) trains and evaluates on with the CPU.
// runtime/cuda/device_samples.h is the same on a GPU.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/float_buffer.h"
#include "runtime/data/fashion_mnist.h"

namespace gossip {

class HostSamples {
 public:
  explicit HostSamples(LabeledImages data) : data_(std::move(data)) {}
  int count() const { return data_.count; }
  // Gathers the samples `indices` (normalised, column-major): images() and labels() hold
  // them until the next fill. Throws ConfigError for an index outside 0..count()-1.
  void fill(std::span<const int> indices) {
    images_.resize(indices.size() * static_cast<size_t>(data_.pixels_per_image));
    labels_.resize(indices.size());
    gather_batch(data_, indices, images_.data(), labels_.data());
  }
  const float* images() const { return images_.data(); }
  const uint8_t* labels() const { return labels_.data(); }

 private:
  LabeledImages data_;
  FloatBuffer images_;
  std::vector<uint8_t> labels_;
};

}  // namespace gossip
