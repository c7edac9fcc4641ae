#include "kernels/weighted_sum.h"

#include <Eigen/Core>  // vectorised multiply-adds
#include <algorithm>
#include <string>

namespace gossip::cpu {

void weighted_sum(std::span<const float* const> inputs, std::span<const double> weights, float* out,
                  std::size_t length) {
  if (inputs.size() != weights.size() || inputs.empty()) {
    throw std::invalid_argument("weighted_sum: " + std::to_string(inputs.size()) + " inputs but " +
                                std::to_string(weights.size()) + " weights");
  }
  // Blocks of doubles that stay in L1, so the sum in double costs no pass over memory.
  constexpr std::size_t kBlock = 1024;
  using Block = Eigen::Array<double, Eigen::Dynamic, 1, 0, kBlock, 1>;
  using ConstFloats = Eigen::Map<const Eigen::ArrayXf>;
  Block sum;
  for (std::size_t begin = 0; begin < length; begin += kBlock) {
    const auto n = static_cast<Eigen::Index>(std::min(kBlock, length - begin));
    // Every input of the block is read before `out` is written, which is what makes
    // out == inputs[0] safe.
    sum = weights[0] * ConstFloats(inputs[0] + begin, n).cast<double>();
    for (std::size_t k = 1; k < inputs.size(); ++k) sum += weights[k] * ConstFloats(inputs[k] + begin, n).cast<double>();
    Eigen::Map<Eigen::ArrayXf>(out + begin, n) = sum.cast<float>();
  }
}

void add_scaled_difference(float* out, float scale, const float* a, const float* b, std::size_t length) {
  for (std::size_t k = 0; k < length; ++k) out[k] += scale * (a[k] - b[k]);
}

}  // namespace gossip::cpu
