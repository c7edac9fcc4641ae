#include "topology/properties.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>

namespace gossip {
namespace {

// Second largest modulus among eigenvalues given in any order. With one eigenvalue
// (n = 1) there is no second, and the gap is 1 by convention.
template <typename Values>
double second_modulus(const Values& eigenvalues) {
  std::vector<double> moduli;
  for (Eigen::Index k = 0; k < eigenvalues.size(); ++k) moduli.push_back(std::abs(eigenvalues[k]));
  if (moduli.size() < 2) return 0.0;
  std::partial_sort(moduli.begin(), moduli.begin() + 2, moduli.end(), std::greater<>());
  return moduli[1];
}

bool is_circulant(const Eigen::MatrixXd& w) {
  const Eigen::Index n = w.rows();
  for (Eigen::Index i = 1; i < n; ++i) {
    for (Eigen::Index j = 0; j < n; ++j) {
      if (w(i, j) != w(0, (j - i + n) % n)) return false;
    }
  }
  return true;
}

// Eigenvalues of a circulant matrix are the DFT of its first row:
// lambda_m = sum_j c_j exp(2 pi i j m / n). Only non-zero c_j contribute.
Eigen::VectorXcd circulant_eigenvalues(const Eigen::MatrixXd& w) {
  const Eigen::Index n = w.rows();
  std::vector<Eigen::Index> nonzero;
  for (Eigen::Index j = 0; j < n; ++j) {
    if (w(0, j) != 0.0) nonzero.push_back(j);
  }
  Eigen::VectorXcd eigenvalues(n);
  for (Eigen::Index m = 0; m < n; ++m) {
    std::complex<double> sum = 0.0;
    for (Eigen::Index j : nonzero) {
      // (j * m) mod n keeps the angle small, which keeps the sine and cosine exact.
      double angle = 2.0 * std::numbers::pi * static_cast<double>((j * m) % n) / n;
      sum += w(0, j) * std::polar(1.0, angle);
    }
    eigenvalues[m] = sum;
  }
  return eigenvalues;
}

}  // namespace

double max_row_sum_error(const MixingMatrix& weights) {
  double worst = 0.0;
  for (int i = 0; i < weights.size(); ++i) {
    double sum = 0.0;
    for (const auto& entry : weights.row(i)) sum += entry.weight;
    worst = std::max(worst, std::abs(sum - 1.0));
  }
  return worst;
}

double max_column_sum_error(const MixingMatrix& weights) {
  std::vector<double> sums(weights.size(), 0.0);
  for (int i = 0; i < weights.size(); ++i) {
    for (const auto& entry : weights.row(i)) sums[entry.peer] += entry.weight;
  }
  double worst = 0.0;
  for (double sum : sums) worst = std::max(worst, std::abs(sum - 1.0));
  return worst;
}

bool is_doubly_stochastic(const MixingMatrix& weights, double tolerance) {
  for (int i = 0; i < weights.size(); ++i) {
    for (const auto& entry : weights.row(i)) {
      if (entry.weight < 0.0) return false;
    }
  }
  return max_row_sum_error(weights) <= tolerance && max_column_sum_error(weights) <= tolerance;
}

double max_asymmetry(const MixingMatrix& weights) {
  double worst = 0.0;
  for (int i = 0; i < weights.size(); ++i) {
    for (const auto& entry : weights.row(i)) {
      worst = std::max(worst, std::abs(entry.weight - weights.weight(entry.peer, i)));
    }
  }
  return worst;
}

double spectral_gap_dense(const Eigen::MatrixXd& weights) {
  if (weights.isApprox(weights.transpose(), 0.0)) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(weights, Eigen::EigenvaluesOnly);
    return 1.0 - second_modulus(solver.eigenvalues());
  }
  Eigen::EigenSolver<Eigen::MatrixXd> solver(weights, false);
  if (solver.info() != Eigen::Success) {
    throw std::runtime_error("the eigen solver did not converge on a " +
                             std::to_string(weights.rows()) + "x" +
                             std::to_string(weights.rows()) + " mixing matrix");
  }
  return 1.0 - second_modulus(solver.eigenvalues());
}

double spectral_gap(const Eigen::MatrixXd& weights) {
  if (weights.rows() != weights.cols()) {
    throw std::invalid_argument("spectral gap of a non-square matrix");
  }
  if (weights.rows() > 1 && is_circulant(weights)) {
    return 1.0 - second_modulus(circulant_eigenvalues(weights));
  }
  return spectral_gap_dense(weights);
}

double spectral_gap(const MixingMatrix& weights) { return spectral_gap(weights.dense()); }

Eigen::MatrixXd period_product(const std::vector<MixingMatrix>& schedule) {
  if (schedule.empty()) throw std::invalid_argument("period product of an empty schedule");
  const int n = schedule.front().size();
  Eigen::MatrixXd product = Eigen::MatrixXd::Identity(n, n);
  Eigen::MatrixXd next(n, n);
  for (const auto& weights : schedule) {
    for (int i = 0; i < n; ++i) {
      next.row(i).setZero();
      for (const auto& entry : weights.row(i)) next.row(i) += entry.weight * product.row(entry.peer);
    }
    product.swap(next);
  }
  return product;
}

}  // namespace gossip
