// The sorting-network kernels against std::sort, coordinate by coordinate, for every k a
// neighbourhood is likely to have and lengths around the kernel's block of 128.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "kernels/order_statistics.h"

namespace gossip {
namespace {

struct Case {
  std::vector<std::vector<float>> rows;
  std::vector<const float*> pointers;
};

// Values from a small set, so that ties (which a sorting network must keep) are common.
Case random_case(std::size_t k, std::size_t length, std::mt19937& rng, bool ties) {
  Case made;
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int> small(-3, 3);
  for (std::size_t row = 0; row < k; ++row) {
    std::vector<float> values(length);
    for (auto& value : values) value = ties ? static_cast<float>(small(rng)) : normal(rng);
    made.rows.push_back(std::move(values));
  }
  for (const auto& row : made.rows) made.pointers.push_back(row.data());
  return made;
}

std::vector<float> sorted_column(const Case& made, std::size_t c) {
  std::vector<float> column;
  for (const auto& row : made.rows) column.push_back(row[c]);
  std::sort(column.begin(), column.end());
  return column;
}

TEST_CASE("coordinate_median and trimmed_mean equal a sort of each coordinate, for k = 1..40, 64 and 100") {
  std::mt19937 rng(5);
  std::vector<std::size_t> ks;
  for (std::size_t k = 1; k <= 40; ++k) ks.push_back(k);
  ks.push_back(64);
  ks.push_back(100);
  for (const std::size_t k : ks) {
    for (const std::size_t length : {0u, 1u, 127u, 128u, 129u, 300u}) {
      for (const bool ties : {false, true}) {
        CAPTURE(k);
        CAPTURE(length);
        CAPTURE(ties);
        const Case made = random_case(k, length, rng, ties);
        std::vector<float> median(length), trimmed(length);
        cpu::coordinate_median(made.pointers, median.data(), length);
        const std::size_t trim = (k - 1) / 3;
        cpu::trimmed_mean(made.pointers, trim, trimmed.data(), length);
        for (std::size_t c = 0; c < length; ++c) {
          const std::vector<float> column = sorted_column(made, c);
          const float want_median = k % 2 == 1 ? column[k / 2]
                                               : static_cast<float>((double{column[k / 2 - 1]} + column[k / 2]) / 2);
          REQUIRE(median[c] == want_median);
          double sum = 0;
          for (std::size_t i = trim; i < k - trim; ++i) sum += column[i];
          REQUIRE(trimmed[c] == static_cast<float>(sum / static_cast<double>(k - 2 * trim)));
        }
      }
    }
  }
}

TEST_CASE("the order-statistic kernels may write over an input") {
  std::mt19937 rng(6);
  Case made = random_case(5, 1000, rng, false);
  std::vector<float> want(1000);
  cpu::coordinate_median(made.pointers, want.data(), 1000);
  cpu::coordinate_median(made.pointers, made.rows[2].data(), 1000);
  CHECK(made.rows[2] == want);
  made = random_case(7, 1000, rng, false);
  cpu::trimmed_mean(made.pointers, 2, want.data(), 1000);
  cpu::trimmed_mean(made.pointers, 2, made.rows[0].data(), 1000);
  CHECK(made.rows[0] == want);
}

TEST_CASE("the order-statistic kernels refuse arguments that leave nothing") {
  const std::vector<float> one{1.0f};
  const std::vector<const float*> single{one.data()};
  float out = 0;
  CHECK_THROWS_AS(cpu::coordinate_median({}, &out, 1), std::invalid_argument);
  CHECK_THROWS_WITH_AS(cpu::trimmed_mean(single, 1, &out, 1), "trimmed_mean: trimming 1 from each end of 1 values leaves none",
                       std::invalid_argument);
  cpu::trimmed_mean(single, 0, &out, 1);
  CHECK(out == 1.0f);
}

}  // namespace
}  // namespace gossip
