// The layout of an MLP in its flat buffer, its first model, and the CPU's instance of the
// passes (runtime/tasks/mlp_passes.h).
#include "runtime/tasks/mlp.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>

#include "runtime/tasks/mlp_passes.h"

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

MlpLayout::MlpLayout(MlpShape shape) : shape_(std::move(shape)) {
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
}

void MlpLayout::initialize(std::span<float> parameters, uint64_t seed) const {
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

void MlpLayout::check_call(const char* owner, const char* operation, std::size_t parameters, int batch,
                           std::size_t gradient) const {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(owner) + "::" + operation + ": " + why);
  };
  if (parameters != parameter_count_) {
    fail(std::to_string(parameters) + " parameters given, the network has " + std::to_string(parameter_count_));
  }
  if (batch < 0) fail("batch " + std::to_string(batch) + " is negative");
  if (gradient != parameter_count_) {
    fail("gradient has " + std::to_string(gradient) + " floats, the network has " + std::to_string(parameter_count_) +
         " parameters");
  }
}

template class BasicMlp<CpuDevice>;

}  // namespace gossip
