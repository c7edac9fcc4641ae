#include "topology/mixing_matrix.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace gossip {

MixingMatrix::MixingMatrix(int size, std::vector<std::vector<WeightEntry>> rows, bool directed) {
  if (static_cast<int>(rows.size()) != size) {
    throw std::invalid_argument("mixing matrix of size " + std::to_string(size) + " given " +
                                std::to_string(rows.size()) + " rows");
  }
  std::vector<std::array<int, 2>> edges;
  rows_.resize(size);
  for (int i = 0; i < size; ++i) {
    auto& row = rows[i];
    row.push_back({i, 0.0});  // the self entry is always present
    for (const auto& entry : row) {
      if (entry.peer < 0 || entry.peer >= size) {
        throw std::invalid_argument("row " + std::to_string(i) + " has a weight for peer " +
                                    std::to_string(entry.peer) + ", outside 0.." +
                                    std::to_string(size - 1));
      }
    }
    std::sort(row.begin(), row.end(), [](auto& a, auto& b) { return a.peer < b.peer; });
    for (const auto& entry : row) {
      auto& out = rows_[i];
      if (!out.empty() && out.back().peer == entry.peer) {
        out.back().weight += entry.weight;
      } else {
        out.push_back(entry);
      }
    }
    std::erase_if(rows_[i], [i](const WeightEntry& e) { return e.peer != i && e.weight == 0.0; });
    for (const auto& entry : rows_[i]) {
      if (entry.peer != i) edges.push_back({entry.peer, i});
    }
  }
  support_ = graph_from_edges(size, edges, directed);
}

MixingMatrix MixingMatrix::from_dense(const Eigen::MatrixXd& dense, bool directed) {
  const int n = static_cast<int>(dense.rows());
  std::vector<std::vector<WeightEntry>> rows(n);
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (dense(i, j) != 0.0) rows[i].push_back({j, dense(i, j)});
    }
  }
  return MixingMatrix(n, std::move(rows), directed);
}

double MixingMatrix::weight(int to, int from) const {
  const auto& row = rows_[to];
  auto it = std::lower_bound(row.begin(), row.end(), from,
                             [](const WeightEntry& e, int peer) { return e.peer < peer; });
  return (it != row.end() && it->peer == from) ? it->weight : 0.0;
}

Eigen::MatrixXd MixingMatrix::dense() const {
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(size(), size());
  for (int i = 0; i < size(); ++i) {
    for (const auto& entry : rows_[i]) out(i, entry.peer) = entry.weight;
  }
  return out;
}

std::string MixingMatrix::format_row(int peer) const {
  char number[32];
  std::string text;
  if (size() <= 16) {
    text = "[";
    for (int j = 0; j < size(); ++j) {
      std::snprintf(number, sizeof number, "%.17g", weight(peer, j));
      text += (j ? ", " : "") + std::string(number);
    }
    return text + "]";
  }
  text = "{";
  for (const auto& entry : rows_[peer]) {
    std::snprintf(number, sizeof number, "%d: %.17g", entry.peer, entry.weight);
    text += (text.size() > 1 ? ", " : "") + std::string(number);
  }
  return text + "} (others 0)";
}

MixingMatrix metropolis_hastings_weights(const Graph& graph) {
  if (graph.directed) {
    throw std::invalid_argument(
        "Metropolis-Hastings weights need an undirected graph; give explicit weights "
        "or use uniform weights on a regular directed graph");
  }
  std::vector<std::vector<WeightEntry>> rows(graph.size);
  for (int i = 0; i < graph.size; ++i) {
    double rest = 1.0;
    for (int j : graph.in_neighbours[i]) {
      double w = 1.0 / (std::max(graph.in_degree(i), graph.in_degree(j)) + 1);
      rows[i].push_back({j, w});
      rest -= w;
    }
    rows[i].push_back({i, rest});
  }
  return MixingMatrix(graph.size, std::move(rows), false);
}

MixingMatrix uniform_weights(const Graph& graph) {
  for (int i = 1; i < graph.size; ++i) {
    if (graph.in_degree(i) != graph.in_degree(0)) {
      throw std::invalid_argument(
          "uniform weights need every peer to have the same in-degree, but peer 0 has " +
          std::to_string(graph.in_degree(0)) + " and peer " + std::to_string(i) + " has " +
          std::to_string(graph.in_degree(i)) + "; use Metropolis-Hastings weights instead");
    }
  }
  std::vector<std::vector<WeightEntry>> rows(graph.size);
  for (int i = 0; i < graph.size; ++i) {
    double w = 1.0 / (graph.in_degree(i) + 1);
    for (int j : graph.in_neighbours[i]) rows[i].push_back({j, w});
    rows[i].push_back({i, w});
  }
  return MixingMatrix(graph.size, std::move(rows), graph.directed);
}

MixingMatrix out_uniform_weights(const Graph& graph) {
  std::vector<std::vector<WeightEntry>> rows(graph.size);
  for (int j = 0; j < graph.size; ++j) {
    const double w = 1.0 / (static_cast<double>(graph.out_neighbours[j].size()) + 1);
    for (int i : graph.out_neighbours[j]) rows[i].push_back({j, w});
    rows[j].push_back({j, w});
  }
  return MixingMatrix(graph.size, std::move(rows), graph.directed);
}

}  // namespace gossip
