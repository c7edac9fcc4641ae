#include "topology/topology.h"

#include <algorithm>
#include <stdexcept>

#include "topology/properties.h"

namespace gossip {

Topology::Topology(std::vector<MixingMatrix> schedule) : schedule_(std::move(schedule)) {
  if (schedule_.empty()) throw std::invalid_argument("a topology needs at least one mixing matrix");
  for (const auto& weights : schedule_) {
    if (weights.size() != schedule_.front().size()) {
      throw std::invalid_argument("the mixing matrices of a schedule differ in size: " +
                                  std::to_string(schedule_.front().size()) + " and " +
                                  std::to_string(weights.size()));
    }
  }
}

std::vector<int> Topology::linked_peers(int peer) const {
  std::vector<int> peers;
  for (const auto& weights : schedule_) {
    peers.insert(peers.end(), weights.in_neighbours(peer).begin(), weights.in_neighbours(peer).end());
    peers.insert(peers.end(), weights.out_neighbours(peer).begin(), weights.out_neighbours(peer).end());
  }
  std::sort(peers.begin(), peers.end());
  peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
  return peers;
}

double Topology::spectral_gap() const {
  if (!time_varying()) return gossip::spectral_gap(schedule_.front());
  return gossip::spectral_gap(period_product(schedule_));
}

Topology one_peer_exponential_topology(int size) {
  if (size < 2) {
    throw std::invalid_argument("a one-peer exponential graph needs at least 2 peers, got " +
                                std::to_string(size));
  }
  int tau = 0;
  while ((1L << tau) < size) ++tau;
  std::vector<MixingMatrix> schedule;
  for (int t = 0; t < tau; ++t) {
    long hop = 1L << t;
    std::vector<std::vector<WeightEntry>> rows(size);
    for (int i = 0; i < size; ++i) {
      rows[i] = {{i, 0.5}, {static_cast<int>((i - hop % size + size) % size), 0.5}};
    }
    schedule.emplace_back(size, std::move(rows), true);
  }
  return Topology(std::move(schedule));
}

double one_peer_exponential_averaging_error(int size) {
  Eigen::MatrixXd product = period_product(one_peer_exponential_topology(size).schedule());
  return (product.array() - 1.0 / size).abs().maxCoeff();
}

}  // namespace gossip
