#include "kernels/order_statistics.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gossip::cpu {
namespace {

// Coordinates sorted together: k rows of this many floats stay in L1 for the k of any
// neighbourhood, and each comparator below runs over a whole row in SIMD.
constexpr std::size_t kBlock = 128;

using Comparator = std::pair<std::uint32_t, std::uint32_t>;

// Batcher's odd-even merge sort network for k inputs: built for the next power of two and
// cut to k, which is valid because the cut lanes would hold +infinity and never move. It
// sorts with O(k log^2 k) compare-exchanges that do not depend on the data, so a block of
// coordinates goes through the same sequence of row-wide min/max steps.
std::vector<Comparator> sorting_network(std::size_t k) {
  std::size_t n = 1;
  while (n < k) n *= 2;
  std::vector<Comparator> network;
  for (std::size_t p = 1; p < n; p *= 2) {
    for (std::size_t step = p; step >= 1; step /= 2) {
      for (std::size_t j = step % p; j + step < n; j += 2 * step) {
        for (std::size_t i = 0; i < step && i + j + step < n; ++i) {
          const std::size_t a = i + j, b = i + j + step;
          if (a / (2 * p) == b / (2 * p) && b < k) network.emplace_back(a, b);
        }
      }
    }
  }
  return network;
}

// Sorts column t of rows[0..k) for every t < width. The compare-exchange is written as a
// swap under one condition (not as min and max), which keeps the values a permutation of
// the inputs whatever they are; the callers only ever pass finite values.
void sort_columns(std::vector<float>& rows, const std::vector<Comparator>& network, std::size_t width) {
  for (const auto& [a, b] : network) {
    float* __restrict x = rows.data() + a * kBlock;
    float* __restrict y = rows.data() + b * kBlock;
    for (std::size_t t = 0; t < width; ++t) {
      const float low = x[t], high = y[t];
      const bool swap = high < low;
      x[t] = swap ? high : low;
      y[t] = swap ? low : high;
    }
  }
}

// Calls reduce(sorted rows, width, out + begin) for every block of coordinates.
template <typename Reduce>
void for_each_sorted_block(std::span<const float* const> inputs, float* out, std::size_t length, Reduce&& reduce) {
  const std::size_t k = inputs.size();
  const std::vector<Comparator> network = sorting_network(k);
  std::vector<float> rows(k * kBlock);
  for (std::size_t begin = 0; begin < length; begin += kBlock) {
    const std::size_t width = std::min(kBlock, length - begin);
    for (std::size_t row = 0; row < k; ++row) std::copy_n(inputs[row] + begin, width, rows.data() + row * kBlock);
    sort_columns(rows, network, width);
    reduce(rows, width, out + begin);
  }
}

}  // namespace

void coordinate_median(std::span<const float* const> inputs, float* out, std::size_t length) {
  if (inputs.empty()) throw std::invalid_argument("coordinate_median: no inputs");
  const std::size_t k = inputs.size(), middle = k / 2;
  for_each_sorted_block(inputs, out, length, [&](const std::vector<float>& rows, std::size_t width, float* block) {
    const float* upper = rows.data() + middle * kBlock;
    if (k % 2 == 1) {
      std::copy_n(upper, width, block);
      return;
    }
    const float* lower = upper - kBlock;
    for (std::size_t t = 0; t < width; ++t) block[t] = static_cast<float>((double{lower[t]} + upper[t]) / 2);
  });
}

void trimmed_mean(std::span<const float* const> inputs, std::size_t trim, float* out, std::size_t length) {
  if (2 * trim >= inputs.size()) {
    throw std::invalid_argument("trimmed_mean: trimming " + std::to_string(trim) + " from each end of " +
                                std::to_string(inputs.size()) + " values leaves none");
  }
  const std::size_t kept = inputs.size() - 2 * trim;
  std::array<double, kBlock> sums{};
  for_each_sorted_block(inputs, out, length, [&](const std::vector<float>& rows, std::size_t width, float* block) {
    std::fill_n(sums.begin(), width, 0.0);
    for (std::size_t row = trim; row < trim + kept; ++row) {
      const float* values = rows.data() + row * kBlock;
      for (std::size_t t = 0; t < width; ++t) sums[t] += values[t];
    }
    for (std::size_t t = 0; t < width; ++t) block[t] = static_cast<float>(sums[t] / static_cast<double>(kept));
  });
}

}  // namespace gossip::cpu
