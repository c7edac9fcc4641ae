#include "runtime/sketch.h"

#include <cmath>
#include <stdexcept>

#include "common/splitmix64.h"

namespace gossip {

// The signs come from splitmix64 of the column: column j's need no state from column j-1.
std::vector<double> model_sketch(std::span<const float> model, int rows, uint64_t seed) {
  std::vector<double> sketch(static_cast<size_t>(rows), 0.0);
  const int groups = (rows + 63) / 64;  // one hash gives the signs of 64 rows
  const uint64_t key = splitmix64(seed ^ 0x736b65746368ULL);
  std::vector<float> partial(static_cast<size_t>(groups) * 64);
  for (size_t column = 0; column < model.size(); ++column) {
    const float value = model[column];
    for (int group = 0; group < groups; ++group) {
      const uint64_t signs = splitmix64(key ^ splitmix64(column * static_cast<uint64_t>(groups) + static_cast<uint64_t>(group)));
      float* out = partial.data() + group * 64;
      for (int bit = 0; bit < 64; ++bit) out[bit] += ((signs >> bit) & 1) ? value : -value;
    }
    // Flush the float partial sums now and then so long models keep double accuracy.
    if ((column & 4095) == 4095 || column + 1 == model.size()) {
      for (int row = 0; row < rows; ++row) sketch[static_cast<size_t>(row)] += partial[static_cast<size_t>(row)];
      std::fill(partial.begin(), partial.end(), 0.0f);
    }
  }
  const double scale = rows > 0 ? 1.0 / std::sqrt(static_cast<double>(rows)) : 0.0;
  for (auto& value : sketch) value *= scale;
  return sketch;
}

double consensus_error_estimate(const std::vector<std::vector<double>>& sketches) {
  if (sketches.size() < 2) return 0;
  const size_t rows = sketches.front().size();
  std::vector<double> mean(rows, 0.0);
  for (const auto& sketch : sketches) {
    if (sketch.size() != rows) throw std::invalid_argument("sketches of different sizes");
    for (size_t r = 0; r < rows; ++r) mean[r] += sketch[r] / static_cast<double>(sketches.size());
  }
  double total = 0;
  for (const auto& sketch : sketches) {
    for (size_t r = 0; r < rows; ++r) total += (sketch[r] - mean[r]) * (sketch[r] - mean[r]);
  }
  return total / static_cast<double>(sketches.size());
}

}  // namespace gossip
