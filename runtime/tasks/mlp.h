// A multilayer perceptron classifier (dense layers with ReLU between them, softmax
// cross-entropy on top), the model peers train on Fashion-MNIST. The model is one flat
// float buffer, as the gossip steps exchange it: for each layer, its weights (outputs x
// inputs, column-major) and then its bias. Batches are column-major too, one sample per
// column, so every layer is a single matrix product (kernels/dense.h).
//
// The passes are written once for either device: BasicMlp<Device> takes its kernels and
// scratch buffers from Device. Mlp runs on the CPU; CudaMlp (runtime/tasks/mlp_cuda.h, in
// CUDA builds) is the same code on the CUDA twins, with every pointer a device pointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>  // bad shapes and sizes throw std::invalid_argument
#include <vector>

#include "kernels/cpu_device.h"

namespace gossip {

struct MlpShape {
  int inputs = 784;
  std::vector<int> hidden{256, 128};  // widths of the hidden layers, input side first
  int classes = 10;
};

struct BatchResult {
  double loss = 0;  // mean over the batch
  int correct = 0;  // samples whose largest logit is their label's
  int count = 0;    // samples in the batch
};

// The shape's layers and their offsets in the flat buffer; initialize() draws the first
// model into host memory.
class MlpLayout {
 public:
  // Throws std::invalid_argument on a size below 1, or more classes than uint8 labels name.
  explicit MlpLayout(MlpShape shape);

  const MlpShape& shape() const { return shape_; }
  std::size_t parameter_count() const { return parameter_count_; }

  // PyTorch's nn.Linear default: weights and bias uniform in +-1/sqrt(inputs) (its
  // Kaiming-uniform with a = sqrt(5) comes to that bound). Drawn from
  // std::mt19937_64(seed) with our own bits-to-float mapping, so the same seed gives the
  // same parameters with every compiler and standard library. Host memory.
  void initialize(std::span<float> parameters, uint64_t seed) const;

 protected:
  struct Layer {
    int inputs = 0, outputs = 0;
    std::size_t weights = 0, bias = 0;  // offsets into the flat parameter buffer
  };

  // Throws std::invalid_argument, "<owner>::<operation>: ...", on a wrong parameter count,
  // a negative batch or a gradient of the wrong size. Builds no string unless it throws:
  // every local step calls it.
  void check_call(const char* owner, const char* operation, std::size_t parameters, int batch,
                  std::size_t gradient) const;

  MlpShape shape_;
  std::vector<Layer> layers_;
  std::size_t parameter_count_ = 0;
  int widest_ = 0;  // the most outputs of any layer
};

// Not thread-safe: an Mlp owns the scratch activations of its last batch, so each
// thread (each peer) needs its own. The parameters and gradient are the caller's, in the
// device's memory (as images and labels are).
template <typename Device>
class BasicMlp : public MlpLayout {
 public:
  explicit BasicMlp(MlpShape shape);

  // images: inputs x batch floats, column-major; labels: batch values below classes.
  // Writes the gradient of the mean loss into `gradient` (parameter_count() floats).
  // Scratch grows to the largest batch seen and is then reused: no allocation per step.
  BatchResult loss_and_gradient(std::span<const float> parameters, const float* images, const uint8_t* labels,
                                int batch, std::span<float> gradient);

  // Forward only: the loss and accuracy of one batch.
  BatchResult evaluate(std::span<const float> parameters, const float* images, const uint8_t* labels, int batch);

 private:
  using Buffer = typename Device::Buffer;

  void reserve(int batch);
  // Runs the layers on a batch; returns the logits (classes x batch, in scratch).
  const float* forward(const float* parameters, const float* images, int batch);

  int capacity_ = 0;  // the batch the scratch is sized for
  std::vector<Buffer> activations_;  // per layer: outputs x capacity, after ReLU
  Buffer delta_, next_delta_;        // backward: d loss / d layer output, widest x capacity
};

using Mlp = BasicMlp<CpuDevice>;
extern template class BasicMlp<CpuDevice>;

}  // namespace gossip
