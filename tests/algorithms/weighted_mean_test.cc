#include <doctest/doctest.h>

#include <stdexcept>

#include "algorithms/aggregators/weighted_mean.h"

using namespace gossip;

TEST_CASE("weighted mean: own and neighbours by their weights; a missing neighbour's weight goes to the own vector") {
  WeightedMean mean;
  std::vector<float> own{3.0f, 0.0f};
  const std::vector<float> one{6.0f, 3.0f}, two{9.0f, 6.0f};
  const Contribution all[] = {{1, 0.25, one}, {2, 0.25, two}};
  AggregateReport report = mean.aggregate(own, 0.5, all);
  CHECK(own[0] == doctest::Approx(5.25f));  // 0.5 * 3 + 0.25 * 6 + 0.25 * 9
  CHECK(own[1] == doctest::Approx(2.25f));
  CHECK(report.self_weight == doctest::Approx(0.5));
  CHECK(report.missing.empty());

  own = {3.0f, 0.0f};
  const Contribution one_missing[] = {{1, 0.25, {}}, {2, 0.25, two}};
  report = mean.aggregate(own, 0.5, one_missing);
  CHECK(own[0] == doctest::Approx(4.5f));  // 0.75 * 3 + 0.25 * 9
  CHECK(report.self_weight == doctest::Approx(0.75));
  CHECK(report.missing == std::vector<int>{1});
}

TEST_CASE("weighted mean: a vector of another size is never mixed") {
  WeightedMean mean;
  std::vector<float> own{1.0f, 1.0f};
  const std::vector<float> longer{1.0f, 2.0f, 3.0f};
  const Contribution wrong[] = {{4, 0.5, longer}};
  CHECK_THROWS_WITH_AS(mean.aggregate(own, 0.5, wrong), doctest::Contains("peer 4"), std::invalid_argument);
  CHECK(own == std::vector<float>{1.0f, 1.0f});
}
