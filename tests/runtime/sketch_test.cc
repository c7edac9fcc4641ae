#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "runtime/sketch.h"
#include "support/random_values.h"

using namespace gossip;

namespace {

std::vector<float> random_model(size_t size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  return testing::random_normal(size, rng);
}

double squared_norm(const std::vector<double>& values) {
  double total = 0;
  for (double value : values) total += value * value;
  return total;
}

}  // namespace

TEST_CASE("sketch: linear and the same for the same seed") {
  auto a = random_model(5000, 1), b = random_model(5000, 2);
  std::vector<float> sum(a.size());
  for (size_t i = 0; i < a.size(); ++i) sum[i] = a[i] + b[i];
  auto sa = model_sketch(a, 64, 9), sb = model_sketch(b, 64, 9), ssum = model_sketch(sum, 64, 9);
  for (size_t r = 0; r < sa.size(); ++r) CHECK(ssum[r] == doctest::Approx(sa[r] + sb[r]).epsilon(1e-4));
  CHECK(model_sketch(a, 64, 9) == sa);
  CHECK(model_sketch(a, 64, 10) != sa);
  CHECK(model_sketch(a, 100, 9).size() == 100);  // not a multiple of 64
}

TEST_CASE("sketch: preserves squared norms within the Johnson-Lindenstrauss spread") {
  // With k rows, ||Sv||^2 / ||v||^2 has mean 1 and standard deviation about sqrt(2/k).
  const int rows = 256;
  for (uint64_t seed = 0; seed < 5; ++seed) {
    auto model = random_model(20000, 100 + seed);
    double exact = 0;
    for (float value : model) exact += double{value} * value;
    double ratio = squared_norm(model_sketch(model, rows, seed)) / exact;
    CHECK(ratio > 1 - 4 * std::sqrt(2.0 / rows));
    CHECK(ratio < 1 + 4 * std::sqrt(2.0 / rows));
  }
}

TEST_CASE("consensus error estimate: zero for equal models and close to the exact spread") {
  const int peers = 6, rows = 512;
  auto centre = random_model(10000, 7);
  std::vector<std::vector<double>> equal, spread;
  double exact = 0;
  for (int peer = 0; peer < peers; ++peer) {
    equal.push_back(model_sketch(centre, rows, 3));
    auto noise = random_model(centre.size(), 50 + static_cast<uint64_t>(peer));
    std::vector<float> model(centre.size());
    for (size_t i = 0; i < model.size(); ++i) model[i] = centre[i] + 0.1f * noise[i];
    spread.push_back(model_sketch(model, rows, 3));
  }
  CHECK(consensus_error_estimate(equal) == doctest::Approx(0.0));
  // Each peer's model is centre + 0.1 noise: the exact spread is about (n-1)/n * 0.01 * d.
  exact = (peers - 1.0) / peers * 0.01 * static_cast<double>(centre.size());
  CHECK(consensus_error_estimate(spread) == doctest::Approx(exact).epsilon(0.2));
  CHECK(consensus_error_estimate({}) == 0.0);
}
