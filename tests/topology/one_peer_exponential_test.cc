#include <doctest/doctest.h>

#include "topology/properties.h"
#include "topology/topology.h"

using namespace gossip;

TEST_CASE("one-peer exponential, n = 2^k: k consecutive rounds average exactly") {
  for (int k = 1; k <= 8; ++k) {
    int n = 1 << k;
    Topology topology = one_peer_exponential_topology(n);
    REQUIRE(topology.period() == k);
    INFO("n = " << n);
    // Any k consecutive rounds, not only the first k: start the window at every offset.
    for (int start = 0; start < k; ++start) {
      std::vector<MixingMatrix> window;
      for (int r = start; r < start + k; ++r) window.push_back(topology.weights(r));
      Eigen::MatrixXd product = period_product(window);
      CHECK((product.array() - 1.0 / n).abs().maxCoeff() < 1e-12);
    }
    CHECK(std::abs(topology.spectral_gap() - 1.0) < 1e-12);
  }
}

TEST_CASE("one-peer exponential: one in-neighbour per round, at i - 2^t") {
  Topology topology = one_peer_exponential_topology(8);
  CHECK(topology.in_neighbours(0, 0) == std::vector<int>{7});
  CHECK(topology.in_neighbours(0, 1) == std::vector<int>{6});
  CHECK(topology.in_neighbours(0, 2) == std::vector<int>{4});
  CHECK(topology.in_neighbours(0, 3) == std::vector<int>{7});  // the schedule repeats
  CHECK(topology.out_neighbours(0, 1) == std::vector<int>{2});
  CHECK(topology.linked_peers(0) == std::vector<int>{1, 2, 4, 6, 7});
  for (const auto& weights : topology.schedule()) CHECK(is_doubly_stochastic(weights));
}

TEST_CASE("one-peer exponential, n = 6: the period does not average exactly") {
  double error = one_peer_exponential_averaging_error(6);
  CHECK(error > 0.05);  // 1/12 for n = 6: far from rounding noise
  CHECK(std::abs(error - 1.0 / 12) < 1e-12);
  CHECK(one_peer_exponential_topology(6).spectral_gap() < 0.99);
}
