#include "kernels/weighted_sum.h"

#include <Eigen/Core>  // vectorised axpy
#include <stdexcept>

namespace gossip::cpu {

void weighted_sum(std::span<const float* const> inputs, std::span<const float> weights, float* out,
                  std::size_t length) {
  if (inputs.size() != weights.size() || inputs.empty()) {
    throw std::invalid_argument("weighted_sum: " + std::to_string(inputs.size()) + " inputs but " +
                                std::to_string(weights.size()) + " weights");
  }
  using Vector = Eigen::Map<Eigen::VectorXf>;
  using ConstVector = Eigen::Map<const Eigen::VectorXf>;
  const auto n = static_cast<Eigen::Index>(length);
  Vector result(out, n);
  // The first term is written before any other input is read, which is what makes
  // out == inputs[0] safe.
  result = weights[0] * ConstVector(inputs[0], n);
  for (std::size_t k = 1; k < inputs.size(); ++k) result += weights[k] * ConstVector(inputs[k], n);
}

}  // namespace gossip::cpu
