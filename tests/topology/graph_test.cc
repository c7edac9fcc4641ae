#include <doctest/doctest.h>

#include "topology/graph.h"

using namespace gossip;

TEST_CASE("ring: two neighbours each, undirected") {
  Graph ring = ring_graph(5);
  CHECK(ring.in_neighbours[0] == std::vector<int>{1, 4});
  CHECK(ring.out_neighbours[0] == std::vector<int>{1, 4});
  CHECK(is_strongly_connected(ring));
  // Two peers: the ring collapses to one edge, not a double edge.
  CHECK(ring_graph(2).in_neighbours[0] == std::vector<int>{1});
}

TEST_CASE("torus: four neighbours with wrap-around, fewer on thin sides") {
  Graph torus = torus_graph(4, 4);
  for (int i = 0; i < 16; ++i) CHECK(torus.in_degree(i) == 4);
  CHECK(torus.in_neighbours[0] == std::vector<int>{1, 3, 4, 12});
  CHECK(torus_graph(2, 4).in_degree(0) == 3);  // up and down are the same peer
  CHECK(torus_graph(1, 5).in_degree(0) == 2);  // a 1 x n torus is a ring
}

TEST_CASE("exponential: directed, sends to i + 2^k and receives from i - 2^k") {
  Graph graph = exponential_graph(8);
  CHECK(graph.directed);
  CHECK(graph.out_neighbours[0] == std::vector<int>{1, 2, 4});
  CHECK(graph.in_neighbours[0] == std::vector<int>{4, 6, 7});
  CHECK(exponential_graph(6).out_neighbours[5] == std::vector<int>{0, 1, 3});
}

TEST_CASE("star and complete") {
  Graph star = star_graph(5, 2);
  CHECK(star.in_degree(2) == 4);
  CHECK(star.in_neighbours[0] == std::vector<int>{2});
  Graph complete = complete_graph(6);
  for (int i = 0; i < 6; ++i) CHECK(complete.in_degree(i) == 5);
}

TEST_CASE("edge lists: duplicates collapse, bad edges are named") {
  Graph graph = graph_from_edges(3, {{0, 1}, {1, 0}, {1, 2}}, false);
  CHECK(graph.in_neighbours[1] == std::vector<int>{0, 2});
  CHECK_THROWS_WITH_AS(graph_from_edges(3, {{0, 1}, {2, 2}}, false), "edge 1 [2, 2] is a self loop",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(graph_from_edges(3, {{0, 3}}, false), "edge 0 [0, 3] names a peer outside 0..2",
                       std::invalid_argument);
}

TEST_CASE("connectivity: directed reachability both ways") {
  CHECK_FALSE(is_strongly_connected(graph_from_edges(4, {{0, 1}, {2, 3}}, false)));
  CHECK(unreachable_from(graph_from_edges(4, {{0, 1}, {2, 3}}, false), 0) == std::vector<int>{2, 3});
  Graph chain = graph_from_edges(3, {{0, 1}, {1, 2}}, true);  // 0 -> 1 -> 2, nothing back
  CHECK_FALSE(is_strongly_connected(chain));
  CHECK(unreachable_from(chain, 0).empty());
  CHECK(cannot_reach(chain, 0) == std::vector<int>{1, 2});
  CHECK(is_strongly_connected(graph_from_edges(3, {{0, 1}, {1, 2}, {2, 0}}, true)));
}
