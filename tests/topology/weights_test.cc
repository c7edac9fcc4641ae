#include <doctest/doctest.h>

#include <random>

#include "topology/properties.h"

using namespace gossip;

namespace {

// A random spanning tree (so connected) plus random extra edges.
Graph random_connected_graph(std::mt19937_64& rng) {
  int n = std::uniform_int_distribution<int>(2, 40)(rng);
  double extra = std::uniform_real_distribution<double>(0.0, 0.5)(rng);
  std::vector<std::array<int, 2>> edges;
  for (int i = 1; i < n; ++i) edges.push_back({std::uniform_int_distribution<int>(0, i - 1)(rng), i});
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) {
      if (std::bernoulli_distribution(extra)(rng)) edges.push_back({i, j});
    }
  }
  return graph_from_edges(n, edges, false);
}

}  // namespace

TEST_CASE("Metropolis-Hastings weights are symmetric and doubly stochastic on 100 random graphs") {
  std::mt19937_64 rng(20261122);
  for (int trial = 0; trial < 100; ++trial) {
    Graph graph = random_connected_graph(rng);
    REQUIRE(is_strongly_connected(graph));
    MixingMatrix weights = metropolis_hastings_weights(graph);
    INFO("trial " << trial << ", " << graph.size << " peers");
    CHECK(max_row_sum_error(weights) < 1e-12);
    CHECK(max_column_sum_error(weights) < 1e-12);
    CHECK(max_asymmetry(weights) == 0.0);
    CHECK(is_doubly_stochastic(weights));
    for (int i = 0; i < graph.size; ++i) {
      CHECK(weights.self_weight(i) >= 0.0);
      for (int j : graph.in_neighbours[i]) {
        CHECK(weights.weight(i, j) == 1.0 / (std::max(graph.in_degree(i), graph.in_degree(j)) + 1));
      }
    }
    // The spectral gap of a connected graph's Metropolis weights is positive.
    CHECK(spectral_gap(weights) > 1e-9);
  }
}

TEST_CASE("Metropolis-Hastings on a ring gives 1/3 everywhere, on a star 1/n") {
  MixingMatrix ring = metropolis_hastings_weights(ring_graph(6));
  for (int i = 0; i < 6; ++i) {
    CHECK(ring.weight(i, (i + 1) % 6) == doctest::Approx(1.0 / 3).epsilon(1e-15));
    CHECK(ring.self_weight(i) == doctest::Approx(1.0 / 3).epsilon(1e-15));
  }
  MixingMatrix star = metropolis_hastings_weights(star_graph(5, 0));
  CHECK(star.weight(0, 3) == 0.2);
  CHECK(star.self_weight(3) == doctest::Approx(0.8));
  CHECK(star.self_weight(0) == doctest::Approx(0.2));
  CHECK_THROWS_AS(metropolis_hastings_weights(exponential_graph(8)), std::invalid_argument);
}

TEST_CASE("uniform weights need a regular graph") {
  MixingMatrix weights = uniform_weights(exponential_graph(8));
  CHECK(weights.weight(0, 4) == 0.25);
  CHECK(weights.weight(0, 1) == 0.0);  // 0 receives from 7, 6, 4, not from 1
  CHECK(is_doubly_stochastic(weights));
  CHECK(max_asymmetry(weights) == 0.25);
  CHECK_THROWS_WITH_AS(uniform_weights(star_graph(4, 0)),
                       doctest::Contains("peer 0 has 3 and peer 1 has 1"), std::invalid_argument);
}

TEST_CASE("mixing matrix rows: zeros dropped, duplicates added, self entry kept") {
  MixingMatrix weights(3, {{{1, 0.25}, {1, 0.25}, {2, 0.0}, {0, 0.5}}, {{1, 1.0}}, {{2, 1.0}}}, true);
  CHECK(weights.weight(0, 1) == 0.5);
  CHECK(weights.in_neighbours(0) == std::vector<int>{1});
  CHECK(weights.out_neighbours(1) == std::vector<int>{0});
  CHECK(weights.row(1).size() == 1);
  CHECK(weights.format_row(0) == "[0.5, 0.5, 0]");
  CHECK_THROWS_AS(MixingMatrix(2, {{{5, 1.0}}, {}}, false), std::invalid_argument);
}
