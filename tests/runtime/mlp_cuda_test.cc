// CudaMlp against the CPU Mlp on the same parameters and batch: the same argmax count, the
// loss within 1e-5 relative, the gradient within 2^-14 of its largest entry. The passes are
// the same code (runtime/tasks/mlp_passes.h); what differs is the kernels' rounding. Runs
// where a GPU is visible, reports itself skipped with the reason elsewhere.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "gossip/config.h"
#include "runtime/tasks/mlp.h"
#include "support/random_values.h"
#if GOSSIP_HAVE_CUDA
#include "kernels/cuda/device.h"
#include "runtime/tasks/mlp_cuda.h"
#endif

using namespace gossip;

#if !GOSSIP_HAVE_CUDA

TEST_CASE("CudaMlp matches the CPU Mlp") {
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

#endif
