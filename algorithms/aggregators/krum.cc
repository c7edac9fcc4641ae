#include "algorithms/aggregators/krum.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "common/config_error.h"

namespace gossip {

std::vector<std::size_t> krum_choice(const std::vector<double>& distances, std::size_t n, std::size_t f, std::size_t m) {
  std::vector<double> scores(n);
  std::vector<double> row(n - 1);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t r = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j != i) row[r++] = distances[i * n + j];
    }
    const std::size_t nearest = n - f - 2;
    std::partial_sort(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(nearest), row.end());
    scores[i] = std::accumulate(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(nearest), 0.0);
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  order.resize(std::min(m, n));
  return order;
}

void check_krum(int f, std::size_t neighbourhood_size) {
  if (neighbourhood_size < static_cast<std::size_t>(f) + 3) {
    throw ConfigError("training.aggregator.f: Krum scores each vector by its n - f - 2 nearest others, which needs "
                      "n >= f + 3 = " + std::to_string(f + 3) + ", but a peer has " +
                      std::to_string(neighbourhood_size) + " (itself and " + std::to_string(neighbourhood_size - 1) +
                      " in-neighbours)");
  }
}

}  // namespace gossip
