#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <stdexcept>

#include "algorithms/aggregators/weighted_mean.h"

using namespace gossip;

TEST_CASE("weighted mean: own and neighbours by their weights, a missing neighbour's weight goes to the own vector") {
  WeightedMean mean;
  std::vector<float> own{3.0f, 0.0f};
  const std::vector<float> one{6.0f, 3.0f}, two{9.0f, 6.0f};
  const Contribution all[] = {{1, 0.25, one}, {2, 0.25, two}};
  AggregateReport report = mean.aggregate(own, 0.5, all);
  CHECK(own[0] == doctest::Approx(5.25f));  // 0.5 * 3 + 0.25 * 6 + 0.25 * 9
  CHECK(own[1] == doctest::Approx(2.25f));
  CHECK(report.missing.empty());

  own = {3.0f, 0.0f};
  const Contribution one_missing[] = {{1, 0.25, {}}, {2, 0.25, two}};
  report = mean.aggregate(own, 0.5, one_missing);
  CHECK(own[0] == doctest::Approx(4.5f));  // 0.75 * 3 + 0.25 * 9
  CHECK(own[1] == doctest::Approx(1.5f));  // 0.75 * 0 + 0.25 * 6
  CHECK(report.missing == std::vector<int>{1});
}

TEST_CASE("weighted mean: a neighbour's vector with a NaN or an infinity is refused like a missing one") {
  WeightedMean mean;
  std::vector<float> own{3.0f, 0.0f};
  const std::vector<float> nan{NAN, 1.0f}, inf{1.0f, -INFINITY}, two{9.0f, 6.0f};
  const Contribution poisoned[] = {{1, 0.25, nan}, {2, 0.25, two}, {3, 0.0, inf}};
  AggregateReport report = mean.aggregate(own, 0.5, poisoned);
  CHECK(report.missing == std::vector<int>{1, 3});
  CHECK(own[0] == doctest::Approx(4.5f));
  CHECK(std::isfinite(own[1]));
}

TEST_CASE("weighted mean: a vector of another size is never mixed") {
  WeightedMean mean;
  std::vector<float> own{1.0f, 1.0f};
  const std::vector<float> longer{1.0f, 2.0f, 3.0f};
  const Contribution wrong[] = {{4, 0.5, longer}};
  CHECK_THROWS_WITH_AS(mean.aggregate(own, 0.5, wrong), doctest::Contains("peer 4"), std::invalid_argument);
  CHECK(own == std::vector<float>{1.0f, 1.0f});
}

TEST_CASE("10^4 rounds of pure gossip on a ring of 64 keep the average to within float32 rounding of the models") {
  // A ring's weights are thirds. Rounded to float32 they sum to 1 + 3e-8, which moved the
  // average by that much every round until the models agreed (thousands of rounds on a
  // slow ring); as doubles down to the kernel only each model's own rounding is left.
  constexpr int kPeers = 64, kRounds = 10000, kLength = 32;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(1.0f, 3.0f);
  std::vector<std::vector<float>> models(kPeers, std::vector<float>(kLength));
  double scale = 0;  // the largest value a model holds
  for (auto& model : models) {
    for (float& value : model) {
      value = normal(rng);
      scale = std::max(scale, double{std::abs(value)});
    }
  }
  auto average = [&] {
    std::vector<double> mean(kLength, 0.0);
    for (const auto& model : models) {
      for (int k = 0; k < kLength; ++k) mean[k] += model[k] / double{kPeers};
    }
    return mean;
  };
  const std::vector<double> initial = average();
  WeightedMean mean;
  const double third = 1.0 / 3;
  for (int round = 0; round < kRounds; ++round) {
    const auto sent = models;  // what every peer sent this round
    for (int i = 0; i < kPeers; ++i) {
      const int left = (i + kPeers - 1) % kPeers, right = (i + 1) % kPeers;
      const Contribution neighbours[] = {{left, third, sent[left]}, {right, third, sent[right]}};
      mean.aggregate(models[i], third, neighbours);
    }
  }
  const std::vector<double> final = average();
  double worst = 0;
  for (int k = 0; k < kLength; ++k) worst = std::max(worst, std::abs(final[k] - initial[k]) / scale);
  // Rounding a model to float32 moves the average by at most 2^-24 of the largest value
  // over the peers, with a random sign: a walk of sqrt(rounds * peers) such steps.
  const double bound = 4 * std::sqrt(double{kRounds} * kPeers) * 0x1p-24 / kPeers;
  MESSAGE("largest drift of the average, relative to the largest value: " << worst << " (bound " << bound << ")");
  CHECK(worst < bound);
}
