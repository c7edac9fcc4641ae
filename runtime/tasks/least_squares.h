// Heterogeneous least squares: peer i minimises f_i(x) = 1/(2m) ||A_i x - b_i||^2 with
// its own A_i and b_i, drawn so the peers' optima differ. The optimum of the average
// f = (1/n) sum_i f_i is known in closed form, so a decentralized run can be checked
// against it exactly.
#pragma once

#include <Eigen/Dense>  // the small dense algebra of the problem
#include <cstdint>
#include <span>
#include <vector>

namespace gossip {

class LeastSquares {
 public:
  // `heterogeneity` scales how far apart the peers' own optima are.
  LeastSquares(int peers, int dimension, int rows_per_peer, uint64_t seed, double heterogeneity = 1.0);

  int dimension() const { return dimension_; }
  // Full-batch gradient of f_i at x; returns f_i(x).
  double loss_and_gradient(int peer, std::span<const float> x, std::span<float> gradient) const;
  // argmin_x (1/n) sum_i f_i(x).
  const Eigen::VectorXd& optimum() const { return optimum_; }

 private:
  int dimension_;
  std::vector<Eigen::MatrixXd> a_;
  std::vector<Eigen::VectorXd> b_;
  Eigen::VectorXd optimum_;
};

}  // namespace gossip
