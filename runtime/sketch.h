// A fixed-size random sketch S x of a model, with S (k x d, entries +-1/sqrt(k)) drawn
// from the run's shared seed, so every peer uses the same S without sending it. Sketches
// are linear and E ||S v||^2 = ||v||^2, so the consensus error (1/n) sum_i ||x_i - x_bar||^2
// is estimated from the peers' sketches alone: no peer needs another's model.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace gossip {

std::vector<double> model_sketch(std::span<const float> model, int rows, uint64_t seed);

// (1/n) sum_i ||s_i - s_bar||^2 over sketches of the same size; 0 for fewer than 2.
double consensus_error_estimate(const std::vector<std::vector<double>>& sketches);

}  // namespace gossip
