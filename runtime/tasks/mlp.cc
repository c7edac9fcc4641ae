// Forward: each layer is output = W * input + b, then ReLU in place except on the last
// layer, whose outputs are the logits. The ReLU outputs stay in scratch because the
// backward pass needs them twice: as the next layer's input (for its weight gradient)
// and as the mask of the ReLU's own gradient (positive output = positive input).
// Backward: softmax cross-entropy gives d(mean loss)/d(logits); from the last layer
// down, each layer turns the gradient at its output into its weight and bias gradients
// and, below the first layer, the gradient at its input, masked by the ReLU beneath.
// Two scratch buffers take turns holding that gradient.
#include "runtime/tasks/mlp.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "kernels/dense.h"

namespace gossip {
namespace {

std::string describe(const MlpShape& shape) {
  std::string hidden;
  for (int width : shape.hidden) hidden += (hidden.empty() ? "" : ", ") + std::to_string(width);
  return "inputs " + std::to_string(shape.inputs) + ", hidden [" + hidden + "], classes " +
         std::to_string(shape.classes);
}

void check_shape(const MlpShape& shape) {
  bool positive = shape.inputs > 0 && shape.classes > 0;
  for (int width : shape.hidden) positive = positive && width > 0;
  if (!positive) throw std::invalid_argument("Mlp: every size must be at least 1, got " + describe(shape));
  if (shape.classes > 256) {
    throw std::invalid_argument("Mlp: classes " + std::to_string(shape.classes) +
                                " is more than the 256 that uint8 labels can name (" + describe(shape) + ")");
  }
}

// Uniform in [-bound, bound) from the generator's top 24 bits, which a float holds
// exactly: std::uniform_real_distribution would differ between standard libraries.
float uniform(std::mt19937_64& generator, float bound) {
  const float unit = static_cast<float>(generator() >> 40) * 0x1p-24f;  // [0, 1)
  return bound * (2.0f * unit - 1.0f);
}

}  // namespace

Mlp::Mlp(MlpShape shape) : shape_(std::move(shape)) {
  check_shape(shape_);
  int inputs = shape_.inputs;
  auto add_layer = [&](int outputs) {
    Layer layer{inputs, outputs, parameter_count_, 0};
    layer.bias = layer.weights + static_cast<std::size_t>(outputs) * inputs;
    parameter_count_ = layer.bias + outputs;
    widest_ = std::max(widest_, outputs);
    layers_.push_back(layer);
    inputs = outputs;
  };
  for (int width : shape_.hidden) add_layer(width);
  add_layer(shape_.classes);
  activations_.resize(layers_.size());
}

void Mlp::initialize(std::span<float> parameters, uint64_t seed) const {
  if (parameters.size() != parameter_count_) {
    throw std::invalid_argument("Mlp::initialize: " + std::to_string(parameters.size()) + " parameters given, the " +
                                describe(shape_) + " network has " + std::to_string(parameter_count_));
  }
  std::mt19937_64 generator(seed);
  for (const Layer& layer : layers_) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(layer.inputs));
    // Weights and bias are adjacent, so one pass in buffer order draws both.
    for (std::size_t i = layer.weights; i < layer.bias + layer.outputs; ++i) parameters[i] = uniform(generator, bound);
  }
}

void Mlp::check_call(const char* operation, std::span<const float> parameters, int batch) const {
  if (parameters.size() != parameter_count_) {
    throw std::invalid_argument(std::string(operation) + ": " + std::to_string(parameters.size()) +
                                " parameters given, the network has " + std::to_string(parameter_count_));
  }
  if (batch < 0) {
    throw std::invalid_argument(std::string(operation) + ": batch " + std::to_string(batch) + " is negative");
  }
}

void Mlp::reserve(int batch) {
  if (batch <= capacity_) return;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    activations_[l].resize(static_cast<std::size_t>(layers_[l].outputs) * batch);
  }
  delta_.resize(static_cast<std::size_t>(widest_) * batch);
  next_delta_.resize(delta_.size());
  capacity_ = batch;
}

const float* Mlp::forward(const float* parameters, const float* images, int batch) {
  reserve(batch);
  const float* input = images;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    float* output = activations_[l].data();
    cpu::dense_forward(parameters + layer.weights, parameters + layer.bias, input, output, layer.inputs,
                       layer.outputs, batch);
    if (l + 1 < layers_.size()) cpu::relu_forward(output, static_cast<std::size_t>(layer.outputs) * batch);
    input = output;
  }
  return input;
}

BatchResult Mlp::loss_and_gradient(std::span<const float> parameters, const float* images, const uint8_t* labels,
                                   int batch, std::span<float> gradient) {
  check_call("Mlp::loss_and_gradient", parameters, batch);
  if (gradient.size() != parameter_count_) {
    throw std::invalid_argument("Mlp::loss_and_gradient: gradient has " + std::to_string(gradient.size()) +
                                " floats, the network has " + std::to_string(parameter_count_) + " parameters");
  }
  const float* logits = forward(parameters.data(), images, batch);
  auto loss = cpu::softmax_cross_entropy(logits, labels, shape_.classes, batch, delta_.data());
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const Layer& layer = layers_[l];
    const float* input = l == 0 ? images : activations_[l - 1].data();
    float* grad_input = l == 0 ? nullptr : next_delta_.data();
    cpu::dense_backward(parameters.data() + layer.weights, input, delta_.data(), gradient.data() + layer.weights,
                        gradient.data() + layer.bias, grad_input, layer.inputs, layer.outputs, batch);
    if (grad_input) {
      cpu::relu_backward(input, grad_input, static_cast<std::size_t>(layer.inputs) * batch);
      std::swap(delta_, next_delta_);
    }
  }
  return {batch > 0 ? loss.loss_sum / batch : 0.0, loss.correct, batch};
}

BatchResult Mlp::evaluate(std::span<const float> parameters, const float* images, const uint8_t* labels, int batch) {
  check_call("Mlp::evaluate", parameters, batch);
  const float* logits = forward(parameters.data(), images, batch);
  auto loss = cpu::softmax_cross_entropy(logits, labels, shape_.classes, batch, nullptr);
  return {batch > 0 ? loss.loss_sum / batch : 0.0, loss.correct, batch};
}

}  // namespace gossip
