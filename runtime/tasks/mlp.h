// A multilayer perceptron classifier (dense layers with ReLU between them, softmax
// cross-entropy on top), the model peers train on Fashion-MNIST. The model is one flat
// float buffer, as the gossip steps exchange it: for each layer, its weights (outputs x
// inputs, column-major) and then its bias. Batches are column-major too, one sample per
// column, so every layer is a single matrix product (kernels/dense.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>  // bad shapes and sizes throw std::invalid_argument
#include <vector>

#include "kernels/float_buffer.h"

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

// Not thread-safe: an Mlp owns the scratch activations of its last batch, so each
// thread (each peer) needs its own. The parameters and gradient are the caller's.
class Mlp {
 public:
  // Throws std::invalid_argument on a size below 1, or more classes than uint8 labels name.
  explicit Mlp(MlpShape shape);

  const MlpShape& shape() const { return shape_; }
  std::size_t parameter_count() const { return parameter_count_; }

  // PyTorch's nn.Linear default: weights and bias uniform in +-1/sqrt(inputs) (its
  // Kaiming-uniform with a = sqrt(5) comes to that bound). Drawn from
  // std::mt19937_64(seed) with our own bits-to-float mapping, so the same seed gives the
  // same parameters with every compiler and standard library.
  void initialize(std::span<float> parameters, uint64_t seed) const;

  // images: inputs x batch floats, column-major; labels: batch values below classes.
  // Writes the gradient of the mean loss into `gradient` (parameter_count() floats).
  // Scratch grows to the largest batch seen and is then reused: no allocation per step.
  BatchResult loss_and_gradient(std::span<const float> parameters, const float* images, const uint8_t* labels,
                                int batch, std::span<float> gradient);

  // Forward only: the loss and accuracy of one batch.
  BatchResult evaluate(std::span<const float> parameters, const float* images, const uint8_t* labels, int batch);

 private:
  struct Layer {
    int inputs = 0, outputs = 0;
    std::size_t weights = 0, bias = 0;  // offsets into the flat parameter buffer
  };

  void check_call(const char* operation, std::span<const float> parameters, int batch) const;
  void reserve(int batch);
  // Runs the layers on a batch; returns the logits (classes x batch, in scratch).
  const float* forward(const float* parameters, const float* images, int batch);

  MlpShape shape_;
  std::vector<Layer> layers_;
  std::size_t parameter_count_ = 0;
  int widest_ = 0;    // the most outputs of any layer
  int capacity_ = 0;  // the batch the scratch is sized for
  std::vector<FloatBuffer> activations_;  // per layer: outputs x capacity, after ReLU
  FloatBuffer delta_, next_delta_;       // backward: d loss / d layer output, widest x capacity
};

}  // namespace gossip
