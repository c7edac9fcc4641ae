// The least-squares task: full-batch gradients, so a run is deterministic and its end
// point can be compared with the closed-form optimum.
#include "runtime/tasks/builtin_tasks.h"
#include "runtime/tasks/least_squares.h"
#include "common/json_reader.h"

namespace gossip {
namespace {

class LeastSquaresTask final : public Task {
 public:
  LeastSquaresTask(const TaskContext& context, int dimension, int rows, double heterogeneity)
      : peer_(context.peer),
        peers_(context.peers),
        problem_(context.peers, dimension, rows, context.config.seed, heterogeneity) {}

  size_t parameter_count() const override { return static_cast<size_t>(problem_.dimension()); }
  void initial_parameters(std::span<float> parameters) override { std::fill(parameters.begin(), parameters.end(), 0.0f); }
  BatchLoss loss_and_gradient(std::span<const float> parameters, std::span<float> gradient) override {
    return {problem_.loss_and_gradient(peer_, parameters, gradient), 0, 0};
  }
  Evaluation evaluate(std::span<const float> parameters) override {
    // The average objective f(x) = (1/n) sum_i f_i(x): every peer holds every A_i, b_i.
    std::vector<float> unused(parameters.size());
    double total = 0;
    for (int peer = 0; peer < peers_; ++peer) total += problem_.loss_and_gradient(peer, parameters, unused);
    return {total / peers_, std::nullopt, 0};
  }
  std::optional<std::vector<float>> optimum() const override {
    const auto& x = problem_.optimum();
    return std::vector<float>(x.data(), x.data() + x.size());
  }
  std::string describe() const override {
    return "least squares, dimension " + std::to_string(problem_.dimension()) + ", full-batch gradients";
  }

 private:
  int peer_;
  int peers_;
  LeastSquares problem_;
};

}  // namespace

std::unique_ptr<Task> make_least_squares_task(const TaskContext& context) {
  JsonReader options(context.config.task_options, "training.task_options");
  options.reject_unknown({"dimension", "rows", "heterogeneity"});
  return std::make_unique<LeastSquaresTask>(context, static_cast<int>(options.integer_or("dimension", 10, 1, 100000)),
                                            static_cast<int>(options.integer_or("rows", 50, 1, 1000000)),
                                            options.number_or("heterogeneity", 1.0, 0, 1e6));
}

}  // namespace gossip
