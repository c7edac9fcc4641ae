#include "kernels/distances.h"

#include <Eigen/Core>  // vectorised reductions
#include <algorithm>
#include <limits>

namespace gossip {

std::vector<double> pairwise_distances(std::span<const float* const> inputs, std::size_t length,
                                       double (*distance)(const float*, const float*, std::size_t)) {
  const std::size_t k = inputs.size();
  std::vector<double> distances(k * k, 0.0);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = i + 1; j < k; ++j) {
      distances[i * k + j] = distances[j * k + i] = distance(inputs[i], inputs[j], length);
    }
  }
  return distances;
}

}  // namespace gossip

namespace gossip::cpu {

double squared_distance(const float* a, const float* b, std::size_t length) {
  const auto n = static_cast<Eigen::Index>(length);
  using Floats = Eigen::Map<const Eigen::ArrayXf>;
  // In blocks, each summed in float and the blocks in double: float sums over a whole
  // model would lose the small distances of peers that nearly agree.
  constexpr Eigen::Index kBlock = 4096;
  double total = 0;
  for (Eigen::Index begin = 0; begin < n; begin += kBlock) {
    const Eigen::Index size = std::min(kBlock, n - begin);
    total += (Floats(a + begin, size) - Floats(b + begin, size)).square().sum();
  }
  return total;
}

std::vector<double> pairwise_squared_distances(std::span<const float* const> inputs, std::size_t length) {
  return pairwise_distances(inputs, length, &squared_distance);
}

bool all_finite(const float* values, std::size_t length) {
  // NaN fails every comparison and an infinity exceeds the largest float: one vectorised pass.
  const Eigen::Map<const Eigen::ArrayXf> array(values, static_cast<Eigen::Index>(length));
  return (array.abs() <= std::numeric_limits<float>::max()).all();
}

}  // namespace gossip::cpu
