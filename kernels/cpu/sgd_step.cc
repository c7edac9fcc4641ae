#include "kernels/sgd_step.h"

#include <Eigen/Core>  // vectorised element-wise updates
#include <string>

namespace gossip {

void check_sgd_options(const SgdOptions& options, const float* momentum_buffer, std::size_t length,
                       const char* operation) {
  auto fail = [&](const std::string& why) { throw std::invalid_argument(operation + (": " + why)); };
  if (!(options.learning_rate >= 0)) fail("learning rate " + std::to_string(options.learning_rate) + " is negative");
  if (!(options.momentum >= 0)) fail("momentum " + std::to_string(options.momentum) + " is negative");
  if (!(options.weight_decay >= 0)) fail("weight decay " + std::to_string(options.weight_decay) + " is negative");
  if (options.nesterov && options.momentum == 0) fail("Nesterov needs a momentum above 0, got 0");
  if (options.momentum > 0 && momentum_buffer == nullptr && length > 0) {
    fail("momentum " + std::to_string(options.momentum) + " needs a momentum buffer, got none");
  }
}

}  // namespace gossip

namespace gossip::cpu {

void sgd_step(const SgdOptions& options, float* parameters, const float* gradient, float* momentum_buffer,
              std::size_t length) {
  check_sgd_options(options, momentum_buffer, length, "sgd_step");
  const auto n = static_cast<Eigen::Index>(length);
  Eigen::Map<Eigen::ArrayXf> p(parameters, n);
  Eigen::Map<const Eigen::ArrayXf> g(gradient, n);
  const float lr = options.learning_rate, mu = options.momentum, decay = options.weight_decay;
  // d = g + decay * p is never stored: each update is one fused pass that reads the old p
  // element by element before writing it, so d stays the one of the old parameters.
  if (mu == 0) {
    p -= lr * (g + decay * p);
    return;
  }
  Eigen::Map<Eigen::ArrayXf> b(momentum_buffer, n);
  b = mu * b + g + decay * p;
  if (options.nesterov) {
    p -= lr * (g + decay * p + mu * b);
  } else {
    p -= lr * b;
  }
}

}  // namespace gossip::cpu
