#include "kernels/order_statistics.h"

#include <algorithm>
#include <string>
#include <vector>

namespace gossip::cpu {
namespace {

// Calls reduce(sorted values of coordinate c) for every c, writing its result to out[c].
// Gathering each coordinate's k values and sorting them is the whole cost for the small k
// of a neighbourhood (3 on a ring, a dozen on dense graphs).
template <typename Reduce>
void for_each_sorted(std::span<const float* const> inputs, float* out, std::size_t length, Reduce&& reduce) {
  std::vector<float> values(inputs.size());
  for (std::size_t c = 0; c < length; ++c) {
    for (std::size_t k = 0; k < inputs.size(); ++k) values[k] = inputs[k][c];
    std::sort(values.begin(), values.end());
    out[c] = reduce(values);
  }
}

}  // namespace

void coordinate_median(std::span<const float* const> inputs, float* out, std::size_t length) {
  if (inputs.empty()) throw std::invalid_argument("coordinate_median: no inputs");
  const std::size_t k = inputs.size(), middle = k / 2;
  for_each_sorted(inputs, out, length, [&](const std::vector<float>& sorted) {
    if (k % 2 == 1) return sorted[middle];
    return static_cast<float>((double{sorted[middle - 1]} + sorted[middle]) / 2);
  });
}

void trimmed_mean(std::span<const float* const> inputs, std::size_t trim, float* out, std::size_t length) {
  if (2 * trim >= inputs.size()) {
    throw std::invalid_argument("trimmed_mean: trimming " + std::to_string(trim) + " from each end of " +
                                std::to_string(inputs.size()) + " values leaves none");
  }
  const std::size_t kept = inputs.size() - 2 * trim;
  for_each_sorted(inputs, out, length, [&](const std::vector<float>& sorted) {
    double sum = 0;
    for (std::size_t k = trim; k < trim + kept; ++k) sum += sorted[k];
    return static_cast<float>(sum / static_cast<double>(kept));
  });
}

}  // namespace gossip::cpu
