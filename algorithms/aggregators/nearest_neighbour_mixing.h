// Nearest-neighbour mixing (NNM: Allouah et al. 2023), a pre-aggregation: each vector of the
// closed neighbourhood (n in all, the peer's first) is replaced by the mean of its n - f
// nearest, itself included (ties to the earlier), and the inner aggregator combines those.
// It makes a robust rule's guarantee hold under heterogeneous honest vectors. With n - f < 1
// in a round, the inner aggregator gets the vectors as they are.
#pragma once

#include <memory>

#include "algorithms/aggregator.h"
#include "kernels/float_buffer.h"

namespace gossip {

class NearestNeighbourMixing final : public Aggregator {
 public:
  NearestNeighbourMixing(int f, std::unique_ptr<Aggregator> inner) : f_(f), inner_(std::move(inner)) {}
  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override;
  void check(std::size_t neighbourhood_size) const override { inner_->check(neighbourhood_size); }

 private:
  int f_;
  std::unique_ptr<Aggregator> inner_;
  std::vector<FloatBuffer> mixed_;
};

}  // namespace gossip
