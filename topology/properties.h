// Properties of mixing matrices that decide how fast gossip converges, and whether it
// converges to the right point at all.
#pragma once

#include <Eigen/Dense>  // eigenvalues for the spectral gap
#include <vector>

#include "topology/mixing_matrix.h"

namespace gossip {

// Largest |sum_j W_ij - 1| over rows (row stochasticity) or columns (column
// stochasticity); both near 0 means doubly stochastic, which keeps the average fixed.
double max_row_sum_error(const MixingMatrix& weights);
double max_column_sum_error(const MixingMatrix& weights);
bool is_doubly_stochastic(const MixingMatrix& weights, double tolerance = 1e-9);
// Largest |W_ij - W_ji|.
double max_asymmetry(const MixingMatrix& weights);

// 1 - max_{k >= 2} |lambda_k(W)|, eigenvalues sorted by modulus. A circulant W (ring,
// complete, exponential graphs) takes an exact O(n^2) DFT of its first row; a symmetric
// one a self-adjoint solver; anything else a general eigen solver.
double spectral_gap(const Eigen::MatrixXd& weights);
double spectral_gap(const MixingMatrix& weights);
// The general dense path only, for testing the fast paths against it.
double spectral_gap_dense(const Eigen::MatrixXd& weights);

// W(period-1) * ... * W(1) * W(0): one period of a time-varying schedule, computed
// with sparse rows in O(period * n * n * degree).
Eigen::MatrixXd period_product(const std::vector<MixingMatrix>& schedule);

}  // namespace gossip
