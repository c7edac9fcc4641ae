// The passes of BasicMlp<Device> (runtime/tasks/mlp.h), included where a device's instance
// is made: runtime/tasks/mlp.cc (the CPU) and mlp_cuda.cc (CUDA).
//
// Forward: each layer is output = W * input + b, then ReLU in place except on the last
// layer, whose outputs are the logits. The ReLU outputs stay in scratch because the
// backward pass needs them twice: as the next layer's input (for its weight gradient)
// and as the mask of the ReLU's own gradient (positive output = positive input).
// Backward: softmax cross-entropy gives d(mean loss)/d(logits); from the last layer
// down, each layer turns the gradient at its output into its weight and bias gradients
// and, below the first layer, the gradient at its input, masked by the ReLU beneath.
// Two scratch buffers take turns holding that gradient.
#pragma once

#include <utility>

#include "runtime/tasks/mlp.h"

namespace gossip {

template <typename Device>
BasicMlp<Device>::BasicMlp(MlpShape shape) : MlpLayout(std::move(shape)) {
  activations_.resize(layers_.size());
}

template <typename Device>
void BasicMlp<Device>::reserve(int batch) {
  if (batch <= capacity_) return;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    Device::resize(activations_[l], static_cast<std::size_t>(layers_[l].outputs) * batch);
  }
  Device::resize(delta_, static_cast<std::size_t>(widest_) * batch);
  Device::resize(next_delta_, static_cast<std::size_t>(widest_) * batch);
  capacity_ = batch;
}

template <typename Device>
const float* BasicMlp<Device>::forward(const float* parameters, const float* images, int batch) {
  reserve(batch);
  const float* input = images;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    float* output = activations_[l].data();
    Device::dense_forward(parameters + layer.weights, parameters + layer.bias, input, output, layer.inputs,
                       layer.outputs, batch);
    if (l + 1 < layers_.size()) Device::relu_forward(output, static_cast<std::size_t>(layer.outputs) * batch);
    input = output;
  }
  return input;
}

template <typename Device>
BatchResult BasicMlp<Device>::loss_and_gradient(std::span<const float> parameters, const float* images,
                                                const uint8_t* labels, int batch, std::span<float> gradient) {
  check_call(Device::kName, "loss_and_gradient", parameters.size(), batch, gradient.size());
  const float* logits = forward(parameters.data(), images, batch);
  auto loss = Device::softmax_cross_entropy(logits, labels, shape_.classes, batch, delta_.data());
  for (std::size_t l = layers_.size(); l-- > 0;) {
    const Layer& layer = layers_[l];
    const float* input = l == 0 ? images : activations_[l - 1].data();
    float* grad_input = l == 0 ? nullptr : next_delta_.data();
    Device::dense_backward(parameters.data() + layer.weights, input, delta_.data(), gradient.data() + layer.weights,
                           gradient.data() + layer.bias, grad_input, layer.inputs, layer.outputs, batch, 1.0f);
    if (grad_input) {
      Device::relu_backward(input, grad_input, static_cast<std::size_t>(layer.inputs) * batch);
      std::swap(delta_, next_delta_);
    }
  }
  return {batch > 0 ? loss.loss_sum / batch : 0.0, loss.correct, batch};
}

template <typename Device>
BatchResult BasicMlp<Device>::evaluate(std::span<const float> parameters, const float* images, const uint8_t* labels,
                                       int batch) {
  check_call(Device::kName, "evaluate", parameters.size(), batch, parameter_count_);
  const float* logits = forward(parameters.data(), images, batch);
  auto loss = Device::softmax_cross_entropy(logits, labels, shape_.classes, batch, nullptr);
  return {batch > 0 ? loss.loss_sum / batch : 0.0, loss.correct, batch};
}

}  // namespace gossip
