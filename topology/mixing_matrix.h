// The mixing matrix W of one gossip round: x_i <- sum_j W_ij x_j. Stored by rows,
// sparse, so a peer's cost grows with its degree and never with the network size.
#pragma once

#include <Eigen/Dense>  // dense W for spectral analysis and checks
#include <string>
#include <vector>

#include "topology/graph.h"

namespace gossip {

struct WeightEntry {
  int peer;
  double weight;
};

class MixingMatrix {
 public:
  MixingMatrix() = default;
  // rows[i] lists (j, W_ij); order and duplicates do not matter (duplicates add).
  // Zero off-diagonal entries are dropped: no weight, no edge. Throws
  // std::invalid_argument for a peer id outside [0, size).
  MixingMatrix(int size, std::vector<std::vector<WeightEntry>> rows, bool directed);
  static MixingMatrix from_dense(const Eigen::MatrixXd& dense, bool directed);

  int size() const { return support_.size; }
  bool directed() const { return support_.directed; }
  // Row i sorted by peer, with the self entry always present (possibly 0).
  const std::vector<WeightEntry>& row(int peer) const { return rows_[peer]; }
  double weight(int to, int from) const;
  double self_weight(int peer) const { return weight(peer, peer); }
  // The edges with non-zero weight, self loops excluded.
  const Graph& support() const { return support_; }
  const std::vector<int>& in_neighbours(int peer) const { return support_.in_neighbours[peer]; }
  const std::vector<int>& out_neighbours(int peer) const { return support_.out_neighbours[peer]; }

  Eigen::MatrixXd dense() const;
  // Row i for error messages: dense when small, "{j: w, ...}" otherwise.
  std::string format_row(int peer) const;

 private:
  std::vector<std::vector<WeightEntry>> rows_;
  Graph support_;
};

// Metropolis-Hastings: w_ij = 1 / max(deg_i + 1, deg_j + 1), self weight the rest.
// Symmetric and doubly stochastic on any undirected graph.
MixingMatrix metropolis_hastings_weights(const Graph& graph);

// 1 / (in-degree + 1) on every in-edge and the self loop. Requires every peer to have
// the same in-degree (a regular graph), else throws naming two peers that differ.
MixingMatrix uniform_weights(const Graph& graph);

// 1 / (out-degree + 1) on every out-edge and the self loop: each peer splits its mass
// evenly over itself and the peers it sends to. Column stochastic on any graph, row
// stochastic only where in- and out-degrees match: the weights of push-sum (SGP).
MixingMatrix out_uniform_weights(const Graph& graph);

}  // namespace gossip
