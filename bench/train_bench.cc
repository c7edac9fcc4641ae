// How it measures: the batches come in turn from a pool of random samples (4096, or one
// batch if larger), about 12 MiB of images, more than a core's own caches hold, so each
// step reads its inputs from further away, as it would when walking a real dataset. Warm-up steps
// run for 0.3 s (at least 3) and size the repetitions: each timed repetition runs the
// same number of steps, and its rate is batch * steps / elapsed seconds. The table
// shows the min, median and max over repetitions; the median is the number to compare.
#include "bench/train_bench.h"

#include <Eigen/Core>  // which instruction sets Eigen vectorises with, for the report
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "kernels/dense.h"
#include "kernels/sgd_step.h"
#include "runtime/tasks/mlp.h"

namespace gossip::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kInputs = 784, kClasses = 10;
constexpr int kPoolSamples = 4096;
// The optimizer of the step: what the Fashion-MNIST runs use, and what the PyTorch
// reference uses.
constexpr SgdOptions kSgd{0.01f, 0.9f, 0.0f, false};

// Eigen's own SimdInstructionSetsInUse() leaves out AVX2 and FMA, which matter most here.
std::string simd_description() {
#if defined(EIGEN_VECTORIZE_AVX512)
  return "AVX-512, FMA";
#elif defined(EIGEN_VECTORIZE_AVX2) && defined(EIGEN_VECTORIZE_FMA)
  return "AVX2, FMA";
#elif defined(EIGEN_VECTORIZE_AVX)
  return "AVX";
#elif defined(EIGEN_VECTORIZE_SSE2)
  return "SSE2 (configure with -DGOSSIP_CPU_SIMD=avx2 or avx512 for more)";
#else
  return "no vectorisation";
#endif
}

void check_options(const TrainBenchOptions& options) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("bench train: " + what); };
  if (options.batch < 1) fail("--batch " + std::to_string(options.batch) + " must be at least 1");
  if (options.threads < 1) fail("--threads " + std::to_string(options.threads) + " must be at least 1");
  if (options.repetitions < 1) fail("--repetitions " + std::to_string(options.repetitions) + " must be at least 1");
  if (options.steps < 0) fail("--steps " + std::to_string(options.steps) + " must not be negative");
  if (options.steps == 0 && !(options.seconds > 0)) {
    fail("--seconds " + std::to_string(options.seconds) + " must be above 0 when --steps is not given");
  }
}

// The model, its optimizer state and the data: everything one peer's steps touch.
class Trainer {
 public:
  explicit Trainer(const TrainBenchOptions& options)
      : mlp_(MlpShape{kInputs, options.hidden, kClasses}),
        batch_(options.batch),
        pool_batches_(std::max(1, kPoolSamples / options.batch)),
        parameters_(mlp_.parameter_count()),
        gradient_(parameters_.size()),
        momentum_(parameters_.size(), 0.0f),
        images_(static_cast<std::size_t>(kInputs) * batch_ * pool_batches_),
        labels_(static_cast<std::size_t>(batch_) * pool_batches_) {
    mlp_.initialize(parameters_, 1);
    std::mt19937 generator(2);
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);  // Fashion-MNIST pixels lie in [0, 1]
    for (float& x : images_) x = pixel(generator);
    for (uint8_t& y : labels_) y = static_cast<uint8_t>(generator() % kClasses);
  }

  std::size_t parameter_count() const { return parameters_.size(); }

  void step() {
    const std::size_t first = static_cast<std::size_t>(next_ % pool_batches_) * batch_;
    ++next_;
    mlp_.loss_and_gradient(parameters_, images_.data() + first * kInputs, labels_.data() + first, batch_, gradient_);
    cpu::sgd_step(kSgd, parameters_.data(), gradient_.data(), momentum_.data(), parameters_.size());
  }

  // Seconds that `steps` steps take.
  double time(int steps) {
    const auto start = Clock::now();
    for (int i = 0; i < steps; ++i) step();
    return std::chrono::duration<double>(Clock::now() - start).count();
  }

 private:
  Mlp mlp_;
  int batch_, pool_batches_;
  long next_ = 0;
  std::vector<float> parameters_, gradient_, momentum_, images_;
  std::vector<uint8_t> labels_;
};

// Steps per repetition: --steps, or as many as the warm-up rate says fit in --seconds.
int warm_up(Trainer& trainer, const TrainBenchOptions& options) {
  int steps = 0;
  double elapsed = 0;
  while (steps < 3 || elapsed < 0.3) {
    elapsed += trainer.time(1);
    ++steps;
  }
  if (options.steps > 0) return options.steps;
  return std::max(1, static_cast<int>(options.seconds * steps / elapsed));
}

}  // namespace

TrainBenchReport run_train_bench(const TrainBenchOptions& options) {
  check_options(options);
  TrainBenchReport report;
  report.options = options;
  report.simd = simd_description();
  const int threads_before = cpu::threads();
  cpu::set_threads(options.threads);
  Trainer trainer(options);
  report.parameters = trainer.parameter_count();
  report.steps = warm_up(trainer, options);
  for (int rep = 0; rep < options.repetitions; ++rep) {
    const double seconds = trainer.time(report.steps);
    report.samples_per_second.push_back(static_cast<double>(options.batch) * report.steps / seconds);
  }
  cpu::set_threads(threads_before);
  std::vector<double> sorted = report.samples_per_second;
  std::sort(sorted.begin(), sorted.end());
  report.min = sorted.front();
  report.median = sorted[sorted.size() / 2];
  report.max = sorted.back();
  return report;
}

std::string format_train_bench(const TrainBenchReport& report) {
  const TrainBenchOptions& options = report.options;
  std::string layers = std::to_string(kInputs);
  for (int width : options.hidden) layers += " -> " + std::to_string(width);
  layers += " -> " + std::to_string(kClasses);
  char text[800];
  std::snprintf(text, sizeof text,
                "MLP training steps on one peer: %s (%zu parameters), batch %d, %d thread%s\n"
                "one step: forward, backward, SGD momentum %.1f; random data; %zu repetitions of %d steps after a "
                "warm-up\n"
                "Eigen vectorises with %s\n"
                "                 min      median         max\n"
                "samples/s  %10.0f  %10.0f  %10.0f\n"
                "median step: %.3f ms\n",
                layers.c_str(), report.parameters, options.batch, options.threads, options.threads == 1 ? "" : "s",
                kSgd.momentum, report.samples_per_second.size(), report.steps, report.simd.c_str(), report.min,
                report.median, report.max, 1e3 * options.batch / report.median);
  return text;
}

nlohmann::json train_bench_json(const TrainBenchReport& report) {
  return {{"implementation", "gossip"},
          {"batch", report.options.batch},
          {"threads", report.options.threads},
          {"hidden", report.options.hidden},
          {"parameters", report.parameters},
          {"steps_per_repetition", report.steps},
          {"repetitions", report.samples_per_second.size()},
          {"samples_per_second", report.samples_per_second},
          {"samples_per_second_min", report.min},
          {"samples_per_second_median", report.median},
          {"samples_per_second_max", report.max},
          {"simd", report.simd}};
}

}  // namespace gossip::bench
