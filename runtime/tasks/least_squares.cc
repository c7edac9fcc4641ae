#include "runtime/tasks/least_squares.h"

#include <random>

namespace gossip {

LeastSquares::LeastSquares(int peers, int dimension, int rows_per_peer, uint64_t seed, double heterogeneity)
    : dimension_(dimension) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  auto random_matrix = [&](int rows, int cols) {
    Eigen::MatrixXd m(rows, cols);
    for (int i = 0; i < rows; ++i) {
      for (int j = 0; j < cols; ++j) m(i, j) = normal(rng);
    }
    return m;
  };
  Eigen::MatrixXd normal_sum = Eigen::MatrixXd::Zero(dimension, dimension);
  Eigen::VectorXd target_sum = Eigen::VectorXd::Zero(dimension);
  for (int peer = 0; peer < peers; ++peer) {
    Eigen::MatrixXd a = random_matrix(rows_per_peer, dimension);
    Eigen::VectorXd own_optimum = heterogeneity * random_matrix(dimension, 1);
    Eigen::VectorXd b = a * own_optimum + 0.1 * random_matrix(rows_per_peer, 1);
    normal_sum += a.transpose() * a;
    target_sum += a.transpose() * b;
    a_.push_back(std::move(a));
    b_.push_back(std::move(b));
  }
  // Every peer has m rows, so the 1/m and 1/n factors cancel in the normal equations.
  optimum_ = normal_sum.ldlt().solve(target_sum);
}

double LeastSquares::loss_and_gradient(int peer, std::span<const float> x, std::span<float> gradient) const {
  Eigen::VectorXd point = Eigen::Map<const Eigen::VectorXf>(x.data(), dimension_).cast<double>();
  const auto& a = a_[peer];
  Eigen::VectorXd residual = a * point - b_[peer];
  const double m = static_cast<double>(a.rows());
  Eigen::Map<Eigen::VectorXf>(gradient.data(), dimension_) = (a.transpose() * residual / m).cast<float>();
  return residual.squaredNorm() / (2.0 * m);
}

}  // namespace gossip
