// The MLP and the trainer on a GPU against their CPU instances. CudaMlp against the CPU Mlp
// on the same parameters and batch: the same argmax count, the loss within 1e-5 relative,
// the gradient within 2^-14 of its largest entry. The passes are the same code
// (runtime/tasks/mlp_passes.h); what differs is the kernels' rounding. Runs where a GPU is
// visible, reports itself skipped with the reason elsewhere.
#include <doctest/doctest.h>

#include <filesystem>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gossip/config.h"
#include "runtime/tasks/mlp.h"
#include "support/random_values.h"
#if GOSSIP_HAVE_CUDA
#include "kernels/cuda/device.h"
#include "runtime/cuda/cuda_support.h"
#include "runtime/data/fashion_mnist.h"
#include "runtime/tasks/mlp_cuda.h"
#include "runtime/trainer.h"
#endif

using namespace gossip;

#if !GOSSIP_HAVE_CUDA

TEST_CASE("CudaMlp matches the CPU Mlp") {
  MESSAGE("SKIPPED: this build has no CUDA (configure with -DGOSSIP_CUDA=ON where nvcc is)");
}

TEST_CASE("the GPU trainer follows the CPU trainer") {
  MESSAGE("SKIPPED: this build has no CUDA (configure with -DGOSSIP_CUDA=ON where nvcc is)");
}

#else

TEST_CASE("CudaMlp matches the CPU Mlp: loss, correct count and gradient on the same batch, batch 1 to 256") {
  if (cuda::device_count() == 0) {
    MESSAGE("SKIPPED: " << cuda::describe_devices());
    return;
  }
  const MlpShape shape{784, {256, 128}, 10};
  Mlp cpu_mlp(shape);
  CudaMlp gpu_mlp(shape);
  std::vector<float> parameters(cpu_mlp.parameter_count());
  cpu_mlp.initialize(parameters, 42);
  cuda::DeviceBuffer<float> gpu_parameters{std::span<const float>(parameters)};
  std::mt19937 rng(3);
  for (int batch : {1, 33, 256}) {
    INFO("batch " << batch);
    const std::vector<float> images = testing::random_normal(std::size_t{784} * batch, rng);
    std::vector<uint8_t> labels(batch);
    for (auto& label : labels) label = static_cast<uint8_t>(rng() % 10);
    cuda::DeviceBuffer<float> gpu_images{std::span<const float>(images)}, gpu_gradient(parameters.size());
    cuda::DeviceBuffer<uint8_t> gpu_labels{std::span<const uint8_t>(labels)};
    std::vector<float> gradient(parameters.size());
    const BatchResult cpu = cpu_mlp.loss_and_gradient(parameters, images.data(), labels.data(), batch, gradient);
    const BatchResult gpu =
        gpu_mlp.loss_and_gradient(std::span<const float>(gpu_parameters.data(), parameters.size()), gpu_images.data(),
                                  gpu_labels.data(), batch, std::span<float>(gpu_gradient.data(), parameters.size()));
    CHECK(gpu.correct == cpu.correct);
    CHECK(gpu.loss == doctest::Approx(cpu.loss).epsilon(1e-5));
    const std::vector<float> from_gpu = gpu_gradient.download();
    float largest = 0;
    for (float value : gradient) largest = std::max(largest, std::abs(value));
    for (std::size_t i = 0; i < gradient.size(); ++i) {
      if (!(std::abs(from_gpu[i] - gradient[i]) <= largest / (1 << 14))) {
        FAIL("gradient entry " << i << ": gpu " << from_gpu[i] << ", cpu " << gradient[i] << " (largest " << largest
                               << ")");
      }
    }
    const BatchResult evaluated = gpu_mlp.evaluate(std::span<const float>(gpu_parameters.data(), parameters.size()),
                                                   gpu_images.data(), gpu_labels.data(), batch);
    CHECK(evaluated.correct == cpu.correct);
    CHECK(evaluated.loss == doctest::Approx(cpu.loss).epsilon(1e-5));
  }
}

// The trainer and the MLP task on a GPU (shard uploaded once, batches gathered there,
// momentum on the device) against the same on the CPU, from the same first model through
// 50 Nesterov steps with weight decay on Fashion-MNIST: the same batches (the samplers are
// host-side and seeded alike), losses within 1e-4 relative, models within 1e-4 of their
// scale. Also gradient(), momentum_step(), evaluate() and the optimizer state's round trip.
TEST_CASE("the GPU trainer follows the CPU trainer: steps, gradient, momentum step, evaluation, optimizer state") {
  if (cuda::device_count() == 0) {
    MESSAGE("SKIPPED: " << cuda::describe_devices());
    return;
  }
  if (!std::filesystem::exists(default_fashion_mnist_dir() / "t10k-labels-idx1-ubyte.gz")) {
    MESSAGE("SKIPPED: Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
    return;
  }
  register_cuda_support();
  const TrainingConfig config = parse_training_config(
      {{"task", "mlp"}, {"batch_size", 64}, {"momentum", 0.9}, {"nesterov", true}, {"weight_decay", 5e-4}}, 7);
  auto cpu_task = make_task({2, 8, config, "cpu"});
  auto gpu_task = make_task({2, 8, config, "cuda:0"});
  auto cpu = make_trainer(*cpu_task, config, "cpu");
  auto gpu = make_trainer(*gpu_task, config, "cuda:0");
  std::vector<float> cpu_model(cpu_task->parameter_count()), gpu_model(cpu_model.size());
  cpu_task->initial_parameters(cpu_model);
  gpu_task->initial_parameters(gpu_model);
  REQUIRE(gpu_model == cpu_model);
  auto require_near = [](const std::vector<float>& gpu_values, const std::vector<float>& cpu_values, const char* what) {
    REQUIRE(gpu_values.size() == cpu_values.size());
    float largest = 0;
    for (float value : cpu_values) largest = std::max(largest, std::abs(value));
    for (std::size_t i = 0; i < cpu_values.size(); ++i) {
      if (!(std::abs(gpu_values[i] - cpu_values[i]) <= 1e-4f * largest)) {
        FAIL(what << " entry " << i << ": gpu " << gpu_values[i] << ", cpu " << cpu_values[i]);
      }
    }
  };
  for (int step = 0; step < 50; ++step) {
    const BatchLoss on_cpu = cpu->step(cpu_model, 0.05);
    const BatchLoss on_gpu = gpu->step(gpu_model, 0.05);
    CHECK(on_gpu.count == on_cpu.count);
    CHECK(on_gpu.loss == doctest::Approx(on_cpu.loss).epsilon(1e-4));
  }
  require_near(gpu_model, cpu_model, "model after 50 steps");
  // A run of steps: the model stays on the GPU between them.
  std::vector<BatchLoss> cpu_losses;
  for (int step = 0; step < 8; ++step) cpu_losses.push_back(cpu->step(cpu_model, 0.05));
  const std::vector<BatchLoss> gpu_losses = gpu->steps(gpu_model, 0.05, 8);
  REQUIRE(gpu_losses.size() == cpu_losses.size());
  for (std::size_t step = 0; step < cpu_losses.size(); ++step) {
    CHECK(gpu_losses[step].count == cpu_losses[step].count);
    CHECK(gpu_losses[step].loss == doctest::Approx(cpu_losses[step].loss).epsilon(1e-4));
  }
  require_near(gpu_model, cpu_model, "model after a run of 8 steps");
  require_near(gpu->optimizer_state(), cpu->optimizer_state(), "momentum");
  std::vector<float> cpu_gradient(cpu_model.size()), gpu_gradient(cpu_model.size());
  cpu->gradient(cpu_model, cpu_gradient);
  gpu->gradient(cpu_model, gpu_gradient);  // at the same point
  require_near(gpu_gradient, cpu_gradient, "gradient");
  std::vector<float> stepped = cpu_model;
  cpu->momentum_step(cpu_model, cpu_gradient, 0.05);
  gpu->momentum_step(stepped, cpu_gradient, 0.05);
  require_near(stepped, cpu_model, "momentum step");
  const Evaluation cpu_evaluation = cpu->evaluate(cpu_model), gpu_evaluation = gpu->evaluate(cpu_model);
  CHECK(gpu_evaluation.samples == 10000);
  CHECK(std::abs(*gpu_evaluation.accuracy - *cpu_evaluation.accuracy) <= 0.001);
  CHECK(gpu_evaluation.loss == doctest::Approx(cpu_evaluation.loss).epsilon(1e-4));
  // A checkpoint's momentum, taken on one device, restores on the other.
  const std::vector<float> momentum = cpu->optimizer_state();
  gpu->restore_optimizer(momentum);
  CHECK(gpu->optimizer_state() == momentum);
  CHECK_THROWS_AS(gpu->restore_optimizer(std::vector<float>(3)), std::invalid_argument);
}

#endif
