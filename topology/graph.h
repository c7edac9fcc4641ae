// A communication graph: who receives from whom. Pure data, no I/O.
#pragma once

#include <array>
#include <stdexcept>  // the builders throw std::invalid_argument
#include <string>
#include <vector>

namespace gossip {

// Directed edges j -> i mean "i receives from j". An undirected graph stores both
// directions, so in- and out-neighbours always mean the same thing to callers.
// Neighbour lists are sorted and never contain the peer itself.
struct Graph {
  int size = 0;
  bool directed = false;
  std::vector<std::vector<int>> in_neighbours;
  std::vector<std::vector<int>> out_neighbours;

  int in_degree(int peer) const { return static_cast<int>(in_neighbours[peer].size()); }
  int out_degree(int peer) const { return static_cast<int>(out_neighbours[peer].size()); }
};

// Builds a graph from (from, to) pairs; an undirected graph adds (to, from) too.
// Duplicates collapse. Throws std::invalid_argument on a self loop or an id outside
// [0, size), naming the edge.
Graph graph_from_edges(int size, const std::vector<std::array<int, 2>>& edges, bool directed);

// Built-in graphs. Each throws std::invalid_argument for sizes it cannot build.
Graph ring_graph(int size);
Graph torus_graph(int rows, int cols);  // 2D grid with wrap-around in both directions
Graph complete_graph(int size);
Graph star_graph(int size, int center);
// Directed: peer i sends to i + 2^k (mod n) for every 2^k < n, receives from i - 2^k.
Graph exponential_graph(int size);

// Peers that `peer` cannot reach along directed edges (sorted); empty when it reaches all.
std::vector<int> unreachable_from(const Graph& graph, int peer);
// Peers that cannot reach `peer` (sorted).
std::vector<int> cannot_reach(const Graph& graph, int peer);
// True when every peer reaches every other along directed edges.
bool is_strongly_connected(const Graph& graph);

}  // namespace gossip
