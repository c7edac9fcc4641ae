// L2-regularised logistic regression on synthetic data: peer i draws its features around
// its own centre and its labels from its own weights, so the f_i differ. The objective is
// strongly convex, so the optimum of the average is unique; every peer computes it with
// Newton's method from the shared seed, and the runtime reports the distance to it.
#include <Eigen/Dense>  // the small dense algebra of the problem
#include <cmath>
#include <random>

#include "runtime/tasks/builtin_tasks.h"
#include "common/json_reader.h"

namespace gossip {
namespace {

struct Shard {
  Eigen::MatrixXd features;  // rows x dimension
  Eigen::VectorXd labels;    // +1 or -1
};

double sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

Shard draw_shard(std::mt19937_64& rng, int rows, int dimension, const Eigen::VectorXd& weights,
                 const Eigen::VectorXd& centre) {
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  Shard shard{Eigen::MatrixXd(rows, dimension), Eigen::VectorXd(rows)};
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < dimension; ++c) shard.features(r, c) = centre(c) + normal(rng);
    shard.labels(r) = uniform(rng) < sigmoid(shard.features.row(r).dot(weights)) ? 1.0 : -1.0;
  }
  return shard;
}

class LogisticTask final : public Task {
 public:
  LogisticTask(const TaskContext& context, int dimension, int rows, double heterogeneity, double l2)
      : peer_(context.peer), l2_(l2) {
    std::mt19937_64 rng(context.config.seed);
    std::normal_distribution<double> normal;
    auto random_vector = [&](double scale) {
      Eigen::VectorXd v(dimension);
      for (int c = 0; c < dimension; ++c) v(c) = scale * normal(rng);
      return v;
    };
    const Eigen::VectorXd shared = random_vector(1.0);
    for (int peer = 0; peer < context.peers; ++peer) {
      Eigen::VectorXd weights = shared + random_vector(heterogeneity);
      Eigen::VectorXd centre = random_vector(heterogeneity);
      shards_.push_back(draw_shard(rng, rows, dimension, weights, centre));
    }
    held_out_ = draw_shard(rng, 4 * rows, dimension, shared, Eigen::VectorXd::Zero(dimension));
    optimum_ = newton_optimum(dimension);
  }

  size_t parameter_count() const override { return static_cast<size_t>(optimum_.size()); }
  void initial_parameters(std::span<float> parameters) override { std::fill(parameters.begin(), parameters.end(), 0.0f); }
  BatchLoss loss_and_gradient(std::span<const float> parameters, std::span<float> gradient) override {
    Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXf>(parameters.data(), optimum_.size()).cast<double>();
    Eigen::VectorXd g;
    const Shard& shard = shards_[peer_];
    double loss = objective(shard, x, &g, nullptr);
    Eigen::Map<Eigen::VectorXf>(gradient.data(), optimum_.size()) = g.cast<float>();
    return {loss, correct(shard, x), static_cast<int>(shard.labels.size())};
  }
  Evaluation evaluate(std::span<const float> parameters) override {
    Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXf>(parameters.data(), optimum_.size()).cast<double>();
    const auto count = static_cast<int>(held_out_.labels.size());
    return {objective(held_out_, x, nullptr, nullptr), static_cast<double>(correct(held_out_, x)) / count, count};
  }
  std::optional<std::vector<float>> optimum() const override {
    return std::vector<float>(optimum_.data(), optimum_.data() + optimum_.size());
  }
  std::string describe() const override {
    return "logistic regression, dimension " + std::to_string(optimum_.size()) + ", " +
           std::to_string(shards_[peer_].labels.size()) + " samples, full-batch gradients";
  }

 private:
  // Mean logistic loss plus (l2/2)||x||^2; optionally its gradient and Hessian.
  double objective(const Shard& shard, const Eigen::VectorXd& x, Eigen::VectorXd* gradient,
                   Eigen::MatrixXd* hessian) const {
    const auto m = static_cast<double>(shard.labels.size());
    Eigen::VectorXd margins = shard.labels.cwiseProduct(shard.features * x);
    double loss = 0;
    Eigen::VectorXd slope(margins.size()), curvature(margins.size());
    for (Eigen::Index r = 0; r < margins.size(); ++r) {
      const double z = margins(r);
      loss += z > 0 ? std::log1p(std::exp(-z)) : -z + std::log1p(std::exp(z));
      slope(r) = -shard.labels(r) * sigmoid(-z);
      curvature(r) = sigmoid(z) * sigmoid(-z);
    }
    if (gradient) *gradient = shard.features.transpose() * slope / m + l2_ * x;
    if (hessian) {
      *hessian = shard.features.transpose() * curvature.asDiagonal() * shard.features / m;
      hessian->diagonal().array() += l2_;
    }
    return loss / m + 0.5 * l2_ * x.squaredNorm();
  }

  int correct(const Shard& shard, const Eigen::VectorXd& x) const {
    Eigen::VectorXd margins = shard.labels.cwiseProduct(shard.features * x);
    return static_cast<int>((margins.array() > 0).count());
  }

  Eigen::VectorXd newton_optimum(int dimension) const {
    Eigen::VectorXd x = Eigen::VectorXd::Zero(dimension);
    for (int iteration = 0; iteration < 50; ++iteration) {
      Eigen::VectorXd gradient = Eigen::VectorXd::Zero(dimension), g;
      Eigen::MatrixXd hessian = Eigen::MatrixXd::Zero(dimension, dimension), h;
      for (const auto& shard : shards_) {
        objective(shard, x, &g, &h);
        gradient += g / static_cast<double>(shards_.size());
        hessian += h / static_cast<double>(shards_.size());
      }
      x -= hessian.ldlt().solve(gradient);
      if (gradient.norm() < 1e-13) break;
    }
    return x;
  }

  int peer_;
  double l2_;
  std::vector<Shard> shards_;
  Shard held_out_;
  Eigen::VectorXd optimum_;
};

}  // namespace

std::unique_ptr<Task> make_logistic_task(const TaskContext& context) {
  JsonReader options(context.config.task_options, "training.task_options");
  options.reject_unknown({"dimension", "rows", "heterogeneity", "l2"});
  return std::make_unique<LogisticTask>(context, static_cast<int>(options.integer_or("dimension", 20, 1, 10000)),
                                        static_cast<int>(options.integer_or("rows", 200, 1, 1000000)),
                                        options.number_or("heterogeneity", 1.0, 0, 1e3),
                                        options.number_or("l2", 0.01, 1e-9, 1e3));
}

}  // namespace gossip
