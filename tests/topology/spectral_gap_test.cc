#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "topology/properties.h"
#include "topology/topology.h"

using namespace gossip;

TEST_CASE("ring with weights 1/3: gap = 1 - (1 + 2 cos(2 pi / n)) / 3 for n = 3..64") {
  for (int n = 3; n <= 64; ++n) {
    MixingMatrix weights = metropolis_hastings_weights(ring_graph(n));
    double expected = 1.0 - (1.0 + 2.0 * std::cos(2.0 * std::numbers::pi / n)) / 3.0;
    INFO("n = " << n);
    CHECK(std::abs(spectral_gap(weights) - expected) < 1e-12);
  }
}

TEST_CASE("torus: 4x4 gap 0.4, 8x8 gap 0.117") {
  CHECK(std::abs(spectral_gap(metropolis_hastings_weights(torus_graph(4, 4))) - 0.4) < 1e-3);
  CHECK(std::abs(spectral_gap(metropolis_hastings_weights(torus_graph(8, 8))) - 0.117) < 1e-3);
  // Exactly: 1 - (3 + 2 cos(2 pi / 8)) / 5 for the 8x8.
  double exact = 1.0 - (3.0 + 2.0 * std::cos(std::numbers::pi / 4)) / 5.0;
  CHECK(std::abs(spectral_gap(metropolis_hastings_weights(torus_graph(8, 8))) - exact) < 1e-12);
}

TEST_CASE("static exponential: gap 2 / (1 + log2 n) for n = 8..1024, powers of two") {
  for (int k = 3; k <= 10; ++k) {
    int n = 1 << k;
    MixingMatrix weights = uniform_weights(exponential_graph(n));
    INFO("n = " << n);
    CHECK(std::abs(spectral_gap(weights) - 2.0 / (1.0 + k)) < 1e-12);
  }
}

TEST_CASE("complete graph: gap 1") {
  for (int n : {2, 3, 10, 100}) {
    CHECK(std::abs(spectral_gap(metropolis_hastings_weights(complete_graph(n))) - 1.0) < 1e-12);
  }
}

TEST_CASE("the circulant fast path agrees with the general eigen solvers") {
  for (int n : {5, 16, 33, 64}) {
    INFO("n = " << n);
    Eigen::MatrixXd exponential = uniform_weights(exponential_graph(n)).dense();  // not symmetric
    CHECK(std::abs(spectral_gap(exponential) - spectral_gap_dense(exponential)) < 1e-10);
    Eigen::MatrixXd ring = metropolis_hastings_weights(ring_graph(n)).dense();  // symmetric
    CHECK(std::abs(spectral_gap(ring) - spectral_gap_dense(ring)) < 1e-12);
  }
  // A star is neither circulant nor hard: gap 1/n for Metropolis weights.
  CHECK(std::abs(spectral_gap(metropolis_hastings_weights(star_graph(8, 0))) - 0.125) < 1e-12);
}

TEST_CASE("a disconnected graph has gap 0") {
  Graph two_rings = graph_from_edges(6, {{0, 1}, {1, 2}, {2, 0}, {3, 4}, {4, 5}, {5, 3}}, false);
  CHECK(std::abs(spectral_gap(metropolis_hastings_weights(two_rings))) < 1e-12);
}
