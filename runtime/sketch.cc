#include "runtime/sketch.h"

#include <cmath>
#include <stdexcept>

#include "common/splitmix64.h"

namespace gossip {

uint64_t sketch_seed(uint64_t run_seed, int64_t round) {
  return splitmix64(run_seed ^ splitmix64(static_cast<uint64_t>(round) ^ 0x726f756e64ULL));
}

double sketch_relative_error(int rows) { return rows > 0 ? std::sqrt(2.0 / rows) : 0.0; }

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

namespace {

// Row r's share (1/n) sum_i (s_ir - s_bar_r)^2 of the estimate.
std::vector<double> row_spreads(const std::vector<std::vector<double>>& sketches) {
  const size_t rows = sketches.front().size();
  const double n = static_cast<double>(sketches.size());
  std::vector<double> mean(rows, 0.0), spread(rows, 0.0);
  for (const auto& sketch : sketches) {
    if (sketch.size() != rows) throw std::invalid_argument("sketches of different sizes");
    for (size_t r = 0; r < rows; ++r) mean[r] += sketch[r] / n;
  }
  for (const auto& sketch : sketches) {
    for (size_t r = 0; r < rows; ++r) spread[r] += (sketch[r] - mean[r]) * (sketch[r] - mean[r]) / n;
  }
  return spread;
}

}  // namespace

double consensus_error_estimate(const std::vector<std::vector<double>>& sketches) {
  if (sketches.size() < 2) return 0;
  double total = 0;
  for (double share : row_spreads(sketches)) total += share;
  return total;
}

}  // namespace gossip
