#include "topology/graph.h"

#include <algorithm>
#include <stdexcept>

namespace gossip {
namespace {

void require_size(int size, int minimum, const char* what) {
  if (size < minimum) {
    throw std::invalid_argument(std::string(what) + " needs at least " + std::to_string(minimum) +
                                " peers, got " + std::to_string(size));
  }
}

void sort_unique(std::vector<int>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

// Peers not reached from `start` along `next`; used forwards and backwards.
std::vector<int> unreached(const std::vector<std::vector<int>>& next, int start) {
  std::vector<char> seen(next.size(), 0);
  std::vector<int> stack{start};
  seen[start] = 1;
  while (!stack.empty()) {
    int peer = stack.back();
    stack.pop_back();
    for (int other : next[peer]) {
      if (!seen[other]) {
        seen[other] = 1;
        stack.push_back(other);
      }
    }
  }
  std::vector<int> missing;
  for (size_t i = 0; i < next.size(); ++i) {
    if (!seen[i]) missing.push_back(static_cast<int>(i));
  }
  return missing;
}

}  // namespace

Graph graph_from_edges(int size, const std::vector<std::array<int, 2>>& edges, bool directed) {
  require_size(size, 1, "a graph");
  Graph graph;
  graph.size = size;
  graph.directed = directed;
  graph.in_neighbours.resize(size);
  graph.out_neighbours.resize(size);
  for (size_t e = 0; e < edges.size(); ++e) {
    auto [from, to] = edges[e];
    std::string edge = "edge " + std::to_string(e) + " [" + std::to_string(from) + ", " +
                       std::to_string(to) + "]";
    if (from < 0 || from >= size || to < 0 || to >= size) {
      throw std::invalid_argument(edge + " names a peer outside 0.." + std::to_string(size - 1));
    }
    if (from == to) throw std::invalid_argument(edge + " is a self loop");
    graph.in_neighbours[to].push_back(from);
    graph.out_neighbours[from].push_back(to);
    if (!directed) {
      graph.in_neighbours[from].push_back(to);
      graph.out_neighbours[to].push_back(from);
    }
  }
  for (auto& list : graph.in_neighbours) sort_unique(list);
  for (auto& list : graph.out_neighbours) sort_unique(list);
  return graph;
}

Graph ring_graph(int size) {
  require_size(size, 2, "a ring");
  std::vector<std::array<int, 2>> edges;
  for (int i = 0; i < size; ++i) edges.push_back({i, (i + 1) % size});
  return graph_from_edges(size, edges, false);
}

Graph torus_graph(int rows, int cols) {
  if (rows < 1 || cols < 1 || rows * cols < 2) {
    throw std::invalid_argument("a torus needs rows >= 1, cols >= 1 and at least 2 peers, got " +
                                std::to_string(rows) + "x" + std::to_string(cols));
  }
  // Peer (r, c) has id r * cols + c; a side of length 1 has no edges along it and a
  // side of length 2 links each pair once (duplicates collapse).
  std::vector<std::array<int, 2>> edges;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      int id = r * cols + c;
      if (cols > 1) edges.push_back({id, r * cols + (c + 1) % cols});
      if (rows > 1) edges.push_back({id, ((r + 1) % rows) * cols + c});
    }
  }
  return graph_from_edges(rows * cols, edges, false);
}

Graph complete_graph(int size) {
  require_size(size, 1, "a complete graph");  // one peer: training on one process, the central baseline
  std::vector<std::array<int, 2>> edges;
  for (int i = 0; i < size; ++i) {
    for (int j = i + 1; j < size; ++j) edges.push_back({i, j});
  }
  return graph_from_edges(size, edges, false);
}

Graph star_graph(int size, int center) {
  require_size(size, 2, "a star");
  if (center < 0 || center >= size) {
    throw std::invalid_argument("star center " + std::to_string(center) + " is outside 0.." +
                                std::to_string(size - 1));
  }
  std::vector<std::array<int, 2>> edges;
  for (int i = 0; i < size; ++i) {
    if (i != center) edges.push_back({center, i});
  }
  return graph_from_edges(size, edges, false);
}

Graph exponential_graph(int size) {
  require_size(size, 2, "an exponential graph");
  std::vector<std::array<int, 2>> edges;
  for (int i = 0; i < size; ++i) {
    for (long hop = 1; hop < size; hop *= 2) edges.push_back({i, static_cast<int>((i + hop) % size)});
  }
  return graph_from_edges(size, edges, true);
}

std::vector<int> unreachable_from(const Graph& graph, int peer) {
  return unreached(graph.out_neighbours, peer);
}

std::vector<int> cannot_reach(const Graph& graph, int peer) {
  return unreached(graph.in_neighbours, peer);
}

bool is_strongly_connected(const Graph& graph) {
  if (graph.size <= 1) return true;
  return unreached(graph.out_neighbours, 0).empty() && unreached(graph.in_neighbours, 0).empty();
}

}  // namespace gossip
