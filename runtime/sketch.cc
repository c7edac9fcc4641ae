#include "runtime/sketch.h"

#include <cmath>
#include <stdexcept>

#include "common/splitmix64.h"
#include "kernels/sketch.h"

namespace gossip {

uint64_t sketch_seed(uint64_t run_seed, int64_t round) {
  return splitmix64(run_seed ^ splitmix64(static_cast<uint64_t>(round) ^ 0x726f756e64ULL));
}

double sketch_relative_error(int rows) { return rows > 0 ? std::sqrt(2.0 / rows) : 0.0; }

std::vector<double> model_sketch(std::span<const float> model, int rows, uint64_t seed) {
  return cpu::sketch(model.data(), model.size(), rows, seed);
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
