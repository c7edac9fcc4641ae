// The topology seam: who peer i mixes with at round r, and with what weights.
// Pure and deterministic: the same inputs give the same schedule on every peer.
#pragma once

#include <vector>

#include "topology/mixing_matrix.h"

namespace gossip {

class Topology {
 public:
  // Round r uses schedule[r % schedule.size()]; a static topology has one matrix.
  // Throws std::invalid_argument for an empty schedule or matrices of different sizes.
  explicit Topology(std::vector<MixingMatrix> schedule);

  int size() const { return schedule_.front().size(); }
  int period() const { return static_cast<int>(schedule_.size()); }
  bool time_varying() const { return period() > 1; }
  const std::vector<MixingMatrix>& schedule() const { return schedule_; }

  const MixingMatrix& weights(long round) const { return schedule_[round % period()]; }
  const std::vector<int>& in_neighbours(int peer, long round) const {
    return weights(round).in_neighbours(peer);
  }
  const std::vector<int>& out_neighbours(int peer, long round) const {
    return weights(round).out_neighbours(peer);
  }
  // Every peer that peer i sends to or receives from in some round of the period:
  // the links it must keep open.
  std::vector<int> linked_peers(int peer) const;

  // Gap of W for a static topology, of the product over one period otherwise.
  double spectral_gap() const;

 private:
  std::vector<MixingMatrix> schedule_;
};

// Time-varying one-peer exponential graph: round r uses W = (I + P^(2^(r mod tau))) / 2
// with tau = ceil(log2 n), P the cyclic shift, so peer i sends to i + 2^t and receives
// from i - 2^t. For n a power of two, tau rounds multiply to exact averaging.
Topology one_peer_exponential_topology(int size);

// How far tau rounds of one-peer exponential gossip are from exact averaging:
// max_ij |(W(tau-1)...W(0))_ij - 1/n|. Zero (to rounding) exactly for n = 2^k.
double one_peer_exponential_averaging_error(int size);

}  // namespace gossip
