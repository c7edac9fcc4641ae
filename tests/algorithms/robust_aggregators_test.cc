// The robust aggregators on small inputs worked out by hand, against independent reference
// computations on random ones, under outliers and non-finite values, and at the degenerate
// sizes they document.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "algorithms/registry.h"
#include "common/config_error.h"
#include "support/random_values.h"

using namespace gossip;
using nlohmann::json;

namespace {

std::unique_ptr<Aggregator> aggregator(const std::string& name, const json& options = json::object()) {
  return make_aggregator(name, options);
}

// Runs `name` on own + neighbours (equal weights over the closed neighbourhood); returns own.
std::vector<float> combine(Aggregator& rule, std::vector<float> own, const std::vector<std::vector<float>>& others,
                           AggregateReport* report = nullptr) {
  const double weight = 1.0 / static_cast<double>(others.size() + 1);
  std::vector<Contribution> neighbours;
  for (size_t j = 0; j < others.size(); ++j) neighbours.push_back({static_cast<int>(j + 1), weight, others[j]});
  AggregateReport result = rule.aggregate(own, weight, neighbours);
  if (report) *report = result;
  return own;
}

// The sort-based reference: per coordinate, sort all values and take the middle (or the
// mean of the middle two), or the mean after trimming `trim` from each end.
std::vector<float> reference_order_statistic(const std::vector<std::vector<float>>& all, int trim, bool median) {
  std::vector<float> out(all[0].size());
  for (size_t c = 0; c < out.size(); ++c) {
    std::vector<double> column;
    for (const auto& v : all) column.push_back(v[c]);
    std::sort(column.begin(), column.end());
    const size_t n = column.size();
    if (median) {
      out[c] = static_cast<float>(n % 2 ? column[n / 2] : (column[n / 2 - 1] + column[n / 2]) / 2);
    } else {
      out[c] = static_cast<float>(std::accumulate(column.begin() + trim, column.end() - trim, 0.0) / (n - 2 * trim));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("median and trimmed mean: golden values by hand, and against the sort-based reference") {
  const std::vector<float> own{1, 10, -3};
  const std::vector<std::vector<float>> others{{2, 20, -1}, {100, 0, 5}, {-50, 30, 4}, {3, 40, 0}};
  // Columns sorted: {-50, 1, 2, 3, 100}, {0, 10, 20, 30, 40}, {-3, -1, 0, 4, 5}.
  CHECK(combine(*aggregator("median"), own, others) == std::vector<float>{2, 20, 0});
  CHECK(combine(*aggregator("trimmed_mean", {{"f", 1}}), own, others) == std::vector<float>{2, 20, 1});
  // Even count: the mean of the two middle values.
  const std::vector<std::vector<float>> three{{2, 20, -1}, {100, 0, 5}, {-50, 30, 4}};
  CHECK(combine(*aggregator("median"), own, three) == std::vector<float>{1.5f, 15, 1.5f});

  std::mt19937 rng(21);
  for (int n : {2, 3, 4, 7, 10}) {
    std::vector<std::vector<float>> all;
    for (int j = 0; j < n; ++j) all.push_back(testing::random_normal(257, rng));
    const std::vector<std::vector<float>> rest(all.begin() + 1, all.end());
    INFO("n = " << n);
    CHECK(combine(*aggregator("median"), all[0], rest) == reference_order_statistic(all, 0, true));
    for (int f = 0; 2 * f < n; ++f) {
      INFO("f = " << f);
      const auto got = combine(*aggregator("trimmed_mean", {{"f", f}}), all[0], rest);
      const auto want = reference_order_statistic(all, f, false);
      for (size_t c = 0; c < got.size(); ++c) REQUIRE(got[c] == doctest::Approx(want[c]).epsilon(1e-6));
    }
  }
}

TEST_CASE("median and trimmed mean: with f outliers (huge, NaN, Inf) every coordinate stays within the honest range") {
  std::mt19937 rng(22);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::vector<float>> honest;
    for (int j = 0; j < 5; ++j) honest.push_back(testing::random_normal(64, rng));
    // Two outliers: one huge, one holding NaN and infinities.
    std::vector<float> huge(64, 1e30f), poison(64, 2.0f);
    poison[3] = NAN;
    poison[7] = INFINITY;
    poison[9] = -INFINITY;
    std::vector<std::vector<float>> others(honest.begin() + 1, honest.end());
    others.push_back(huge);
    others.push_back(poison);
    for (const auto& [name, options] : {std::pair<std::string, json>{"median", json::object()},
                                        std::pair<std::string, json>{"trimmed_mean", {{"f", 2}}}}) {
      INFO(name);
      AggregateReport report;
      const auto got = combine(*aggregator(name, options), honest[0], others, &report);
      CHECK(report.missing == std::vector<int>{6});  // the non-finite one, refused whole
      for (size_t c = 0; c < got.size(); ++c) {
        float low = INFINITY, high = -INFINITY;
        for (const auto& v : honest) low = std::min(low, v[c]), high = std::max(high, v[c]);
        REQUIRE(std::isfinite(got[c]));
        REQUIRE(got[c] >= low);
        REQUIRE(got[c] <= high);
      }
    }
  }
}

TEST_CASE("clipping: each neighbour moves the peer by at most w_ij tau, fixed and adaptive tau by hand") {
  // Fixed tau 1: a neighbour at (3, 4) with weight 1/2 moves the peer 1/2 of the way's unit vector.
  auto fixed = aggregator("clipping", {{"tau", 1.0}});
  std::vector<float> own{0, 0};
  const std::vector<float> far{3, 4}, near{0.5f, 0};
  const Contribution two[] = {{1, 0.25, far}, {2, 0.25, near}};
  fixed->aggregate(own, 0.5, two);
  CHECK(own[0] == doctest::Approx(0.25 * 0.6 + 0.25 * 0.5));
  CHECK(own[1] == doctest::Approx(0.25 * 0.8));
  // Adaptive with f = 1: neighbours at distances 1, 2 and 10; tau = 2, the farthest is clipped to it.
  auto adaptive = aggregator("clipping", {{"f", 1}});
  own = {0, 0};
  const std::vector<float> a{1, 0}, b{0, 2}, c{-10, 0};
  const Contribution three[] = {{1, 0.25, a}, {2, 0.25, b}, {3, 0.25, c}};
  adaptive->aggregate(own, 0.25, three);
  CHECK(own[0] == doctest::Approx(0.25 * 1 + 0.25 * -2));
  CHECK(own[1] == doctest::Approx(0.25 * 2));

  std::mt19937 rng(23);
  for (int trial = 0; trial < 50; ++trial) {
    const auto start = testing::random_normal(100, rng);
    std::vector<std::vector<float>> others;
    for (int j = 0; j < 4; ++j) {
      auto v = testing::random_normal(100, rng);
      for (float& x : v) x *= (j == 3 ? 1000.0f : 1.0f);  // one far away
      others.push_back(v);
    }
    const double tau = 0.5;
    const auto moved = combine(*aggregator("clipping", {{"tau", tau}}), start, others);
    double step = 0;
    for (size_t k = 0; k < start.size(); ++k) step += (moved[k] - start[k]) * (moved[k] - start[k]);
    CHECK(std::sqrt(step) <= 4 * 0.2 * tau * (1 + 1e-5));  // four neighbours of weight 1/5
  }
}

TEST_CASE("Krum and multi-Krum pick what a brute-force scoring picks") {
  std::mt19937 rng(24);
  for (int trial = 0; trial < 20; ++trial) {
    const int n = 7, f = 2;
    std::vector<std::vector<float>> all;
    for (int j = 0; j < n; ++j) all.push_back(testing::random_normal(16, rng));
    for (float& x : all[5]) x += 30.0f;  // an outlier
    // Brute force: score_i = sum of the n - f - 2 smallest squared distances to the others.
    std::vector<double> score(n);
    for (int i = 0; i < n; ++i) {
      std::vector<double> d;
      for (int j = 0; j < n; ++j) {
        if (j == i) continue;
        double s = 0;
        for (size_t k = 0; k < 16; ++k) s += double(all[i][k] - all[j][k]) * (all[i][k] - all[j][k]);
        d.push_back(s);
      }
      std::sort(d.begin(), d.end());
      score[i] = std::accumulate(d.begin(), d.begin() + (n - f - 2), 0.0);
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return score[a] < score[b]; });
    const std::vector<std::vector<float>> rest(all.begin() + 1, all.end());
    CHECK(combine(*aggregator("krum", {{"f", f}}), all[0], rest) == all[order[0]]);
    const auto multi = combine(*aggregator("krum", {{"f", f}, {"m", 3}}), all[0], rest);
    for (size_t k = 0; k < 16; ++k) {
      const double mean = (double(all[order[0]][k]) + all[order[1]][k] + all[order[2]][k]) / 3;
      REQUIRE(multi[k] == doctest::Approx(mean).epsilon(1e-6));
    }
    CHECK(order[0] != 5);
  }
}

TEST_CASE("geometric median: matches a long double-precision Weiszfeld and resists an outlier") {
  const std::vector<std::vector<float>> all{{0, 0}, {4, 0}, {0, 3}, {1000, 1000}};
  // Reference: 2000 Weiszfeld iterations in double.
  double z[2] = {0, 0};
  for (const auto& v : all) z[0] += v[0] / 4.0, z[1] += v[1] / 4.0;
  for (int it = 0; it < 2000; ++it) {
    double total = 0, next[2] = {0, 0};
    for (const auto& v : all) {
      const double b = 1 / std::max(1e-12, std::hypot(z[0] - v[0], z[1] - v[1]));
      total += b, next[0] += b * v[0], next[1] += b * v[1];
    }
    z[0] = next[0] / total, z[1] = next[1] / total;
  }
  const std::vector<std::vector<float>> rest(all.begin() + 1, all.end());
  const auto got = combine(*aggregator("geometric_median", {{"iterations", 200}}), all[0], rest);
  CHECK(got[0] == doctest::Approx(z[0]).epsilon(1e-4));
  CHECK(got[1] == doctest::Approx(z[1]).epsilon(1e-4));
  CHECK(std::hypot(got[0], got[1]) < 5);  // the point at (1000, 1000) hardly moves it
}

TEST_CASE("nearest-neighbour mixing: each vector becomes the mean of its n - f nearest before the inner rule") {
  // On a line: 0, 1, 2 and 100; with f = 1 each takes the mean of its 3 nearest (itself first).
  const std::vector<float> own{0};
  const std::vector<std::vector<float>> others{{1}, {2}, {100}};
  // 0 -> (0 + 1 + 2) / 3 = 1; 1 -> 1; 2 -> 1; 100 -> (100 + 2 + 1) / 3 = 34.333; mean of those = 9.333.
  CHECK(combine(*aggregator("mean", {{"nnm", 1}}), own, others)[0] == doctest::Approx((1 + 1 + 1 + 103.0 / 3) / 4));
  const auto mixed_median = combine(*aggregator("median", {{"nnm", 1}}), own, others);
  CHECK(mixed_median[0] == doctest::Approx(1.0f));  // median of 1, 1, 1, 34.33
}

TEST_CASE("robust aggregators: missing neighbours, a degree-1 peer, f = 0 and 2f >= n behave as documented") {
  const std::vector<float> own{1, 1};
  const std::vector<float> two{3, 5};
  // Degree 1: the median of two is their midpoint; the trimmed mean with f = 0 their mean.
  CHECK(combine(*aggregator("median"), own, {two}) == std::vector<float>{2, 3});
  CHECK(combine(*aggregator("trimmed_mean", {{"f", 0}}), own, {two}) == std::vector<float>{2, 3});
  // Missing neighbours are left out; alone, a peer keeps its own vector.
  for (const char* name : {"median", "geometric_median"}) {
    auto rule = aggregator(name);
    std::vector<float> alone = own;
    const Contribution missing[] = {{1, 0.5, {}}};
    CHECK(rule->aggregate(alone, 0.5, missing).missing == std::vector<int>{1});
    CHECK(alone == own);
  }
  // Too few present for the trimmed mean or Krum: the own vector is kept.
  std::vector<float> kept = own;
  const Contribution one_of_three[] = {{1, 0.25, two}, {2, 0.25, {}}, {3, 0.25, {}}};
  aggregator("trimmed_mean", {{"f", 1}})->aggregate(kept, 0.25, one_of_three);
  CHECK(kept == own);
  aggregator("krum", {{"f", 1}})->aggregate(kept, 0.25, one_of_three);
  CHECK(kept == own);
  // Where the topology can never give enough vectors, the run is refused up front.
  CHECK_THROWS_WITH_AS(aggregator("trimmed_mean", {{"f", 1}})->check(2),
                       doctest::Contains("training.aggregator.f: the trimmed mean drops the 1 largest"), ConfigError);
  CHECK_NOTHROW(aggregator("trimmed_mean", {{"f", 1}})->check(3));
  CHECK_THROWS_WITH_AS(aggregator("krum", {{"f", 1}})->check(3), doctest::Contains("n >= f + 3 = 4"), ConfigError);
  CHECK_THROWS_AS(make_algorithm({.aggregator = "trimmed_mean", .aggregator_options = {{"f", 1}}}, 0, 4, 1,
                                 MixingProperties{.smallest_neighbourhood = 2}),
                  ConfigError);
}

TEST_CASE("robust aggregators: options checked with the field named, CHOCO and push-sum refuse them, saying why") {
  auto error = [](const std::string& name, const json& options) {
    try {
      make_aggregator(name, options);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("trimmed_mean", json::object()).find("training.aggregator.f: missing") == 0);
  CHECK(error("clipping", json::object()).find("training.aggregator.tau: give one of tau") == 0);
  CHECK(error("clipping", {{"tau", 1}, {"f", 1}}).find("give one of") != std::string::npos);
  CHECK(error("median", {{"f", 1}}).find("training.aggregator.f") == 0);
  CHECK(error("krum", {{"f", 1}, {"m", 0}}).find("training.aggregator.m") == 0);
  CHECK(error("bulyan", json::object()).find("training.aggregator: unknown aggregator \"bulyan\"") == 0);
  AlgorithmSettings choco{.algorithm = "choco", .aggregator = "median", .consensus_step = 0.5};
  CHECK_THROWS_WITH_AS(make_algorithm(choco, 0, 4, 1), doctest::Contains("running sum"), ConfigError);
  AlgorithmSettings push_sum{.algorithm = "push_sum", .aggregator = "median"};
  CHECK_THROWS_WITH_AS(make_algorithm(push_sum, 0, 4, 1), doctest::Contains("mass"), ConfigError);
  CHECK_NOTHROW(make_algorithm({.algorithm = "gradient_tracking", .aggregator = "median"}, 0, 4, 1));
}
