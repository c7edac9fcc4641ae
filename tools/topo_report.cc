#include "tools/topo_report.h"

#include <cmath>
#include <cstdio>

#include "topology/properties.h"

namespace gossip::tools {
namespace {

constexpr int kDenseLimit = 12;  // print W densely up to this many peers
constexpr int kHeadRows = 8, kTailRows = 2;

std::string format(const char* pattern, auto... values) {
  char text[256];
  std::snprintf(text, sizeof text, pattern, values...);
  return text;
}

// Rounds until the consensus error shrinks by `factor`, if it contracts by |lambda_2|^2
// per period: ceil(ln(factor) / (-2 ln |lambda_2|)) periods.
// The gap of one round that, over a period, shrinks as much as the period's product:
// 1 - (1 - g)^(1/period). Compares a time-varying graph with the static ones.
// Exact averaging over a period (|lambda_2| at rounding level) is 1 per round too.
double gap_per_round(double gap, int period) {
  const double lambda = 1.0 - gap;
  return lambda <= 1e-12 ? 1.0 : 1.0 - std::pow(lambda, 1.0 / period);
}

std::string rounds_to_shrink(double gap, int period, double factor) {
  double lambda = 1.0 - gap;
  if (lambda <= 1e-12) return std::to_string(period);
  if (lambda >= 1.0) return "never";
  return std::to_string(period * static_cast<long>(std::ceil(std::log(factor) / (-2.0 * std::log(lambda)))));
}

std::string weights_text(const MixingMatrix& weights) {
  const int n = weights.size();
  std::string text;
  if (n <= kDenseLimit) {
    text += "      ";
    for (int j = 0; j < n; ++j) text += format("%7d", j);
    text += "\n";
    for (int i = 0; i < n; ++i) {
      text += format("  %3d ", i);
      for (int j = 0; j < n; ++j) {
        double w = weights.weight(i, j);
        text += w == 0.0 ? "      ." : format(" %6.4f", w);
      }
      text += "\n";
    }
    return text;
  }
  for (int i = 0; i < n; ++i) {
    if (i == kHeadRows && n > kHeadRows + kTailRows) {
      text += format("  ... %d rows more ...\n", n - kHeadRows - kTailRows);
      i = n - kTailRows;
    }
    text += format("  %4d:", i);
    for (const auto& entry : weights.row(i)) text += format(" %d:%.4g", entry.peer, entry.weight);
    text += "\n";
  }
  return text;
}

bool any_negative(const MixingMatrix& weights) {
  for (int i = 0; i < weights.size(); ++i) {
    for (const auto& entry : weights.row(i)) {
      if (entry.weight < 0.0) return true;
    }
  }
  return false;
}

}  // namespace

nlohmann::json describe_topology(const LoadedTopology& loaded) {
  const Topology& topology = loaded.topology;
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& peer : loaded.file.peers) {
    nlohmann::json in_neighbours = nlohmann::json::array(), out_neighbours = nlohmann::json::array();
    for (const auto& weights : topology.schedule()) {
      in_neighbours.push_back(weights.in_neighbours(peer.id));
      out_neighbours.push_back(weights.out_neighbours(peer.id));
    }
    if (!topology.time_varying()) {
      in_neighbours = in_neighbours[0];
      out_neighbours = out_neighbours[0];
    }
    peers.push_back({{"id", peer.id}, {"host", peer.host}, {"port", peer.port}, {"device", peer.device},
                     {"public_key", peer.public_key}, {"in_neighbours", in_neighbours},
                     {"out_neighbours", out_neighbours}});
  }
  auto dense = [](const MixingMatrix& weights) {
    std::vector<std::vector<double>> rows(weights.size(), std::vector<double>(weights.size(), 0.0));
    for (int i = 0; i < weights.size(); ++i) {
      for (const auto& entry : weights.row(i)) rows[i][entry.peer] = entry.weight;
    }
    return rows;
  };
  const MixingMatrix& first = topology.weights(0);
  nlohmann::json out = {
      {"kind", loaded.file.graph.kind},
      {"seed", loaded.file.seed},
      {"peers", peers},
      {"period", topology.period()},
      {"spectral_gap", topology.spectral_gap()},
      {"spectral_gap_per_round", gap_per_round(topology.spectral_gap(), topology.period())},
      {"symmetric", max_asymmetry(first) == 0.0},
      {"doubly_stochastic", is_doubly_stochastic(first)},
      {"column_stochastic", max_column_sum_error(first) <= 1e-9},
      {"connected", is_strongly_connected(first.support()) || topology.time_varying()},
      {"weights", dense(first)},
  };
  if (topology.time_varying()) {
    nlohmann::json by_round = nlohmann::json::array();
    for (const auto& weights : topology.schedule()) by_round.push_back(dense(weights));
    out["weights_by_round"] = by_round;
  }
  return out;
}

std::string format_topology(const LoadedTopology& loaded, const std::string& path) {
  const Topology& topology = loaded.topology;
  const auto& file = loaded.file;
  std::string text = format("%s: %s graph, %d peers, seed %llu", path.c_str(), file.graph.kind.c_str(),
                            topology.size(), static_cast<unsigned long long>(file.seed));
  text += topology.time_varying() ? format(", time-varying with period %d\n", topology.period()) : "\n";
  text += "\n   id  address                  device   in  out  public key\n";
  for (int k = 0; k < topology.size(); ++k) {
    if (k == kHeadRows * 2 && topology.size() > kHeadRows * 2 + kTailRows) {
      text += format("  ... %d peers more ...\n", topology.size() - kHeadRows * 2 - kTailRows);
      k = topology.size() - kTailRows;
    }
    const auto& peer = file.peers[k];
    std::string address = peer.host + ":" + std::to_string(peer.port);
    std::string key = peer.public_key.empty() ? "(none yet: gossip keygen)" : peer.public_key.substr(0, 16) + "...";
    text += format("  %3d  %-23s  %-7s %3zu  %3zu  %s\n", peer.id, address.c_str(), peer.device.c_str(),
                   topology.weights(0).in_neighbours(k).size(), topology.weights(0).out_neighbours(k).size(),
                   key.c_str());
  }
  for (int t = 0; t < topology.period(); ++t) {
    text += topology.time_varying() ? format("\nweights at rounds r with r mod %d = %d (row i: what peer i mixes in):\n",
                                             topology.period(), t)
                                    : "\nweights W (row i: what peer i mixes in):\n";
    text += weights_text(topology.schedule()[t]);
  }
  const MixingMatrix& first = topology.weights(0);
  double gap = topology.spectral_gap();
  text += format("\nspectral gap%s: %.6g   (1 - |lambda_2|; rounds to shrink consensus error 1000x: %s)\n",
                 topology.time_varying() ? " of one period" : "", gap,
                 rounds_to_shrink(gap, topology.period(), 1e3).c_str());
  if (topology.time_varying()) {
    text += format("per round: %.6g   (1 - (1 - gap)^(1/%d), to compare with a static graph's gap)\n",
                   gap_per_round(gap, topology.period()), topology.period());
  }
  const bool doubly = is_doubly_stochastic(first);
  text += format("symmetric: %s   doubly stochastic: %s%s   non-negative: %s\n",
                 max_asymmetry(first) == 0.0 ? "yes" : "no", doubly ? "yes" : "no",
                 !doubly && max_column_sum_error(first) <= 1e-9 ? " (column stochastic: for push_sum)" : "",
                 any_negative(first) ? "no" : "yes");
  return text;
}

std::string compare_topologies(const std::vector<int>& sizes) {
  std::string text = "graph                  peers  degree  spectral gap  gap per round  rounds to 1e-3 consensus\n";
  for (int n : sizes) {
    std::vector<std::string> kinds = {"ring", "torus", "exponential", "complete", "star"};
    if ((n & (n - 1)) == 0) kinds.insert(kinds.begin() + 3, "one_peer_exponential");
    for (const auto& kind : kinds) {
      GenerateOptions options{.kind = kind, .peers = n};
      if (kind == "torus") {
        options.rows = static_cast<int>(std::sqrt(n));
        while (n % options.rows != 0) --options.rows;
        options.cols = n / options.rows;
        if (options.rows < 2) continue;  // a 1 x n torus is just the ring
      }
      TopologyFile file = generate_topology_file(options);
      Topology topology = build_topology(file);
      size_t degree = 0;
      for (int i = 0; i < n; ++i) degree = std::max(degree, topology.out_neighbours(i, 0).size());
      std::string name = kind == "torus" ? format("torus %dx%d", options.rows, options.cols) : kind;
      double gap = topology.spectral_gap();
      text += format("%-21s  %5d  %6zu  %12.6f  %13.6f  %s\n", name.c_str(), n, degree, gap,
                     gap_per_round(gap, topology.period()), rounds_to_shrink(gap, topology.period(), 1e3).c_str());
    }
  }
  text += "degree: peers each one sends to per round. The gap of one_peer_exponential is its period's;\n"
          "per round is 1 - (1 - gap)^(1/period). Rounds assume the error contracts by |lambda_2|^2\n"
          "per round (per period for one_peer_exponential), with no local training in between.\n";
  return text;
}

}  // namespace gossip::tools
