// A fixed-size random sketch S x of a model, with S (k x d, entries +-1/sqrt(k)) drawn
// from the run's shared seed and the round, so every peer uses the same S at a round
// without sending it. Sketches are linear and E ||S v||^2 = ||v||^2, so the consensus error
// (1/n) sum_i ||x_i - x_bar||^2 is estimated from the peers' sketches alone: no peer needs
// another's model. One estimate's relative standard deviation is at most sqrt(2/k) (all of
// the spread along one direction; less when it spreads over many), and a fresh S each
// round makes the errors of successive rounds independent, so they average out instead of
// repeating the same sign for the whole run.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace gossip {

// The seed of the sketch matrix every peer uses at `round`.
uint64_t sketch_seed(uint64_t run_seed, int64_t round);

// The worst-case relative standard deviation of one estimate with `rows` rows: sqrt(2/rows).
double sketch_relative_error(int rows);

std::vector<double> model_sketch(std::span<const float> model, int rows, uint64_t seed);

// (1/n) sum_i ||s_i - s_bar||^2 over sketches of the same size; 0 for fewer than 2.
double consensus_error_estimate(const std::vector<std::vector<double>>& sketches);

}  // namespace gossip
