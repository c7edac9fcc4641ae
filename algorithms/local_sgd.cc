#include "algorithms/local_sgd.h"

#include <string>

namespace gossip {

LocalSgd::LocalSgd(size_t parameter_count, double momentum, bool nesterov, double weight_decay) {
  options_.momentum = static_cast<float>(momentum);
  options_.nesterov = nesterov;
  options_.weight_decay = static_cast<float>(weight_decay);
  if (momentum > 0) momentum_buffer_.assign(parameter_count, 0.0f);
}

void LocalSgd::step(std::span<float> parameters, std::span<const float> gradient, double learning_rate) {
  update(parameters, gradient, learning_rate, options_.weight_decay);
}

void LocalSgd::momentum_step(std::span<float> parameters, std::span<const float> direction, double learning_rate) {
  update(parameters, direction, learning_rate, 0.0f);
}

void LocalSgd::update(std::span<float> parameters, std::span<const float> gradient, double learning_rate,
                      float weight_decay) {
  if (gradient.size() != parameters.size() || (!momentum_buffer_.empty() && momentum_buffer_.size() != parameters.size())) {
    throw std::invalid_argument("LocalSgd::step: " + std::to_string(parameters.size()) + " parameters, " +
                                std::to_string(gradient.size()) + " gradient values, " +
                                std::to_string(momentum_buffer_.size()) + " momentum values");
  }
  SgdOptions options = options_;
  options.learning_rate = static_cast<float>(learning_rate);
  options.weight_decay = weight_decay;
  cpu::sgd_step(options, parameters.data(), gradient.data(), momentum_buffer_.empty() ? nullptr : momentum_buffer_.data(),
                parameters.size());
}

void LocalSgd::restore(std::span<const float> state) {
  if (state.size() != momentum_buffer_.size()) {
    throw std::invalid_argument("optimizer state has " + std::to_string(state.size()) + " values, expected " +
                                std::to_string(momentum_buffer_.size()) +
                                " (momentum on or off differs from the checkpointed run?)");
  }
  momentum_buffer_.assign(state.begin(), state.end());
}

}  // namespace gossip
