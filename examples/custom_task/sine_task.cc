// A task of your own, trained by gossip peers: regression of a noisy sine with random
// Fourier features. Each peer draws its inputs from its own slice of [-pi, pi], so no
// peer alone sees the whole curve; together they fit all of it. Build against the
// installed library (see CMakeLists.txt beside this file), then:
//   ./sine_trainer launch ring4.json          # 4 local peers, run directory under runs/
#include <gossip/tools/training_program.h>
#include <gossip/runtime/task.h>

#include <cmath>
#include <numbers>
#include <random>

namespace {

constexpr int kFeatures = 64;  // the model: one weight per feature, plus a bias

class SineTask final : public gossip::Task {
 public:
  explicit SineTask(const gossip::TaskContext& context) : batch_(context.config.batch_size), rng_(context.config.seed + context.peer) {
    // Features cos(w x + b), with w and b from the shared seed: the same on every peer.
    std::mt19937_64 shared(context.config.seed);
    std::normal_distribution<double> normal(0.0, 2.0);
    std::uniform_real_distribution<double> phase(0.0, 2 * std::numbers::pi);
    for (int f = 0; f < kFeatures; ++f) frequencies_.push_back({normal(shared), phase(shared)});
    // This peer's slice of the input range.
    const double width = 2 * std::numbers::pi / context.peers;
    low_ = -std::numbers::pi + width * context.peer;
    high_ = low_ + width;
  }

  size_t parameter_count() const override { return kFeatures + 1; }
  void initial_parameters(std::span<float> parameters) override { std::fill(parameters.begin(), parameters.end(), 0.0f); }

  gossip::BatchLoss loss_and_gradient(std::span<const float> parameters, std::span<float> gradient) override {
    std::uniform_real_distribution<double> input(low_, high_);
    std::normal_distribution<double> noise(0.0, 0.1);
    std::fill(gradient.begin(), gradient.end(), 0.0f);
    double loss = 0;
    for (int i = 0; i < batch_; ++i) {
      const double x = input(rng_);
      const double error = predict(parameters, x) - (std::sin(x) + noise(rng_));
      loss += 0.5 * error * error / batch_;
      for (int f = 0; f < kFeatures; ++f) gradient[f] += static_cast<float>(error * feature(f, x) / batch_);
      gradient[kFeatures] += static_cast<float>(error / batch_);
    }
    return {loss, 0, batch_};
  }

  // Mean squared error against the clean sine on a grid over the whole range.
  gossip::Evaluation evaluate(std::span<const float> parameters) override {
    const int points = 512;
    double total = 0;
    for (int i = 0; i < points; ++i) {
      const double x = -std::numbers::pi + 2 * std::numbers::pi * (i + 0.5) / points;
      total += std::pow(predict(parameters, x) - std::sin(x), 2);
    }
    return {total / points, std::nullopt, points};
  }

  std::string describe() const override {
    return "sine regression on [" + std::to_string(low_) + ", " + std::to_string(high_) + "]";
  }

 private:
  double feature(int f, double x) const {
    return std::sqrt(2.0 / kFeatures) * std::cos(frequencies_[f].first * x + frequencies_[f].second);
  }
  double predict(std::span<const float> parameters, double x) const {
    double y = parameters[kFeatures];
    for (int f = 0; f < kFeatures; ++f) y += parameters[f] * feature(f, x);
    return y;
  }

  int batch_;
  std::mt19937_64 rng_;  // not checkpointed: this task's resumes are not bit-exact (see README)
  std::vector<std::pair<double, double>> frequencies_;
  double low_ = 0, high_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  gossip::register_task("sine", [](const gossip::TaskContext& context) { return std::make_unique<SineTask>(context); });
  return gossip::training_program_main(argc, argv);
}
