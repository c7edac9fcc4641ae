// Turns the graph section of a topology file into a mixing schedule and checks that
// gossip on it converges to the average: rows sum to 1, columns too (so the average
// is kept), no negative weight, symmetric where undirected, and connected. A directed W
// whose columns sum to 1 but not its rows is kept too: push-sum averages on it.
#include <cmath>
#include <cstdio>

#include "topology/properties.h"
#include "topology/topology_file.h"

namespace gossip {
namespace {

constexpr double kSumTolerance = 1e-9;

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.12g", value);
  return text;
}

std::string peer_list(const std::vector<int>& peers) {
  std::string text;
  for (size_t k = 0; k < peers.size() && k < 8; ++k) text += (k ? ", " : "") + std::to_string(peers[k]);
  if (peers.size() > 8) text += ", ... (" + std::to_string(peers.size()) + " in all)";
  return text;
}

void check_edges(const GraphSpec& spec, int n) {
  for (size_t e = 0; e < spec.edges.size(); ++e) {
    auto [from, to] = spec.edges[e];
    std::string field = "graph.edges[" + std::to_string(e) + "]";
    for (int id : {from, to}) {
      if (id < 0 || id >= n) {
        throw ConfigError(field + ": [" + std::to_string(from) + ", " + std::to_string(to) +
                          "] names peer " + std::to_string(id) + ", which is not in peers (ids 0.." +
                          std::to_string(n - 1) + ")");
      }
    }
    if (from == to) {
      throw ConfigError(field + ": [" + std::to_string(from) + ", " + std::to_string(to) +
                        "] is a self loop; a peer's own weight is implied, list only edges between peers");
    }
  }
}

MixingMatrix matrix_weights(const GraphSpec& spec, int n) {
  if (static_cast<int>(spec.matrix.size()) != n) {
    throw ConfigError("graph.matrix: has " + std::to_string(spec.matrix.size()) +
                      " rows, but the file has " + std::to_string(n) + " peers");
  }
  Eigen::MatrixXd dense(n, n);
  for (int i = 0; i < n; ++i) {
    const auto& row = spec.matrix[i];
    if (static_cast<int>(row.size()) != n) {
      throw ConfigError("graph.matrix[" + std::to_string(i) + "]: has " + std::to_string(row.size()) +
                        " weights, but the file has " + std::to_string(n) + " peers");
    }
    for (int j = 0; j < n; ++j) {
      if (!(row[j] >= 0.0) || !std::isfinite(row[j])) {
        throw ConfigError("graph.matrix[" + std::to_string(i) + "][" + std::to_string(j) +
                          "]: weight " + number(row[j]) + " is negative or not finite");
      }
      dense(i, j) = row[j];
    }
  }
  return MixingMatrix::from_dense(dense, spec.directed);
}

MixingMatrix graph_weights(const GraphSpec& spec, const Graph& graph) {
  std::string rule = spec.weights.empty() ? (graph.directed ? "uniform" : "metropolis") : spec.weights;
  try {
    if (rule == "uniform") return uniform_weights(graph);
    if (rule == "out_uniform") return out_uniform_weights(graph);
    return metropolis_hastings_weights(graph);
  } catch (const std::invalid_argument& error) {
    throw ConfigError("graph.weights: " + std::string(error.what()));
  }
}

MixingMatrix static_weights(const GraphSpec& spec, int n) {
  if (spec.kind == "matrix") return matrix_weights(spec, n);
  if (spec.kind == "edges") check_edges(spec, n);
  // The sides are read up to 2^20 each, so their product needs 64 bits.
  const int64_t torus_size = int64_t{spec.rows} * spec.cols;
  if (spec.kind == "torus" && torus_size != n) {
    throw ConfigError("graph: rows x cols = " + std::to_string(spec.rows) + "x" + std::to_string(spec.cols) +
                      " = " + std::to_string(torus_size) + " peers, but the file has " + std::to_string(n));
  }
  Graph graph;
  try {
    if (spec.kind == "ring") graph = ring_graph(n);
    if (spec.kind == "torus") graph = torus_graph(spec.rows, spec.cols);
    if (spec.kind == "exponential") graph = exponential_graph(n);
    if (spec.kind == "complete") graph = complete_graph(n);
    if (spec.kind == "star") graph = star_graph(n, spec.center);
    if (spec.kind == "edges") graph = graph_from_edges(n, spec.edges, spec.directed);
  } catch (const std::invalid_argument& error) {
    throw ConfigError("graph: " + spec.kind + ": " + error.what());
  }
  return graph_weights(spec, graph);
}

void check_row_sums(const MixingMatrix& weights, const std::string& field) {
  for (int i = 0; i < weights.size(); ++i) {
    double sum = 0.0;
    for (const auto& entry : weights.row(i)) sum += entry.weight;
    if (std::abs(sum - 1.0) > kSumTolerance) {
      throw ConfigError(field + ": row " + std::to_string(i) + " (peer " + std::to_string(i) +
                        ") sums to " + number(sum) + ", not 1 (tolerance 1e-9): " + weights.format_row(i));
    }
  }
}

void check_column_sums(const MixingMatrix& weights, const std::string& field) {
  const int n = weights.size();
  if (max_column_sum_error(weights) > kSumTolerance) {
    Eigen::VectorXd sums = weights.dense().colwise().sum();
    for (int j = 0; j < n; ++j) {
      if (std::abs(sums[j] - 1.0) > kSumTolerance) {
        throw ConfigError(field + ": column " + std::to_string(j) + " (peer " + std::to_string(j) +
                          ") sums to " + number(sums[j]) +
                          ", not 1: W is not doubly stochastic, so gossip would not keep the "
                          "peers' average");
      }
    }
  }
}

void check_symmetric(const MixingMatrix& weights, const std::string& field) {
  for (int i = 0; i < weights.size(); ++i) {
    for (const auto& entry : weights.row(i)) {
      double mirror = weights.weight(entry.peer, i);
      if (std::abs(entry.weight - mirror) > kSumTolerance) {
        throw ConfigError(field + ": not symmetric: W[" + std::to_string(i) + "][" + std::to_string(entry.peer) +
                          "] = " + number(entry.weight) + " but W[" + std::to_string(entry.peer) + "][" +
                          std::to_string(i) + "] = " + number(mirror) +
                          "; an undirected graph needs a symmetric matrix (set \"directed\": true otherwise)");
      }
    }
  }
}

void check_connected(const MixingMatrix& weights) {
  const std::string why = ", so their models can never agree with the rest";
  if (auto missing = unreachable_from(weights.support(), 0); !missing.empty()) {
    throw ConfigError("graph: not connected: peer 0 never reaches peers " + peer_list(missing) + why);
  }
  if (auto missing = cannot_reach(weights.support(), 0); !missing.empty()) {
    throw ConfigError("graph: not connected: peers " + peer_list(missing) + " never reach peer 0" + why);
  }
}

Topology one_peer_exponential(int n) {
  if (n < 2) throw ConfigError("graph: one_peer_exponential needs at least 2 peers, the file has 1");
  if ((n & (n - 1)) != 0) {
    Topology topology = one_peer_exponential_topology(n);
    throw ConfigError(
        "graph.kind: one_peer_exponential needs a power-of-two number of peers, the file has " +
        std::to_string(n) + ": its " + std::to_string(topology.period()) +
        " rounds then do not average exactly (largest entry error of their product " +
        number(one_peer_exponential_averaging_error(n)) + ", spectral gap of one period " +
        number(topology.spectral_gap()) +
        " instead of 1), so consensus only decays geometrically; use a power of two, or the "
        "static exponential graph");
  }
  return one_peer_exponential_topology(n);
}

}  // namespace

Topology build_topology(const TopologyFile& file) {
  const GraphSpec& spec = file.graph;
  const int n = static_cast<int>(file.peers.size());
  if (spec.kind == "one_peer_exponential") {
    if (!spec.weights.empty() && spec.weights != "uniform") {
      throw ConfigError("graph.weights: one_peer_exponential always mixes 1/2 with the one in-neighbour; "
                        "\"" + spec.weights + "\" does not apply");
    }
    return one_peer_exponential(n);
  }
  std::string field = spec.kind == "matrix" ? "graph.matrix" : "graph (" + spec.kind + " weights)";
  MixingMatrix weights = static_weights(spec, n);
  // Rows summing to 1 (and columns too, to keep the average) for mixing; a directed graph
  // may instead have only its columns sum to 1, for push-sum (the rules check which they need).
  const bool push_sum_only = weights.directed() && max_row_sum_error(weights) > kSumTolerance &&
                             max_column_sum_error(weights) <= kSumTolerance;
  if (!push_sum_only) check_row_sums(weights, field);
  if (!weights.directed()) check_symmetric(weights, field);
  check_column_sums(weights, field);
  check_connected(weights);
  return Topology({std::move(weights)});
}

}  // namespace gossip
