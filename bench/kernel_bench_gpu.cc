// The GPU column of `gossip bench kernels`: the CUDA twins on device memory, timed with
// CUDA events around each call (the asynchronous ones included), the same data sizes as
// the CPU's.
#include "bench/kernel_bench.h"
#include "gossip/config.h"

#if GOSSIP_HAVE_CUDA
#include <cuda_runtime.h>

#include <random>

#include "bench/kernel_operations.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/device_buffer.h"
#endif

namespace gossip::bench {

#if !GOSSIP_HAVE_CUDA

std::optional<GpuKernelTimes> time_gpu_kernels(const KernelBenchOptions&, std::string& why) {
  why = "this build has no CUDA (configure with -DGOSSIP_CUDA=ON where nvcc is)";
  return std::nullopt;
}

#else

namespace {

using cuda::DeviceBuffer;
using cuda::check;

// FP32 lanes per SM by compute capability: 64 on 6.0 and 8.0 (P100, A100), 128 on the others
// since Maxwell (V100 and T4 have 64 too: 7.x).
int fp32_lanes(int major, int minor) {
  if ((major == 6 && minor == 0) || major == 7 || (major == 8 && minor == 0)) return 64;
  return 128;
}

DevicePeaks peaks_of(int device) {
  cudaDeviceProp properties{};
  check(cudaGetDeviceProperties(&properties, device), "cudaGetDeviceProperties");
  int memory_khz = 0, bus_bits = 0, core_khz = 0;
  check(cudaDeviceGetAttribute(&memory_khz, cudaDevAttrMemoryClockRate, device), "cudaDeviceGetAttribute");
  check(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device), "cudaDeviceGetAttribute");
  check(cudaDeviceGetAttribute(&core_khz, cudaDevAttrClockRate, device), "cudaDeviceGetAttribute");
  DevicePeaks peaks;
  peaks.name = properties.name;
  peaks.bytes_per_second = 2.0 * memory_khz * 1e3 * bus_bits / 8;  // double data rate
  peaks.flops = 2.0 * properties.multiProcessorCount * fp32_lanes(properties.major, properties.minor) * core_khz * 1e3;
  return peaks;
}

DeviceBuffer<float> random_buffer(std::size_t size, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> values(size);
  for (float& value : values) value = normal(rng);
  return DeviceBuffer<float>(std::span<const float>(values));
}

const KernelSet kGpuKernels{&cuda::weighted_sum,  &cuda::sgd_step,       &cuda::coordinate_median,
                            &cuda::trimmed_mean,  &cuda::squared_distance, &cuda::all_finite,
                            &cuda::relu_forward,  &cuda::dense_forward,   &cuda::dense_backward,
                            &cuda::softmax_cross_entropy, &cuda::sign_bits, &cuda::qsgd_codes,
                            &cuda::top_k_indices, &cuda::sketch};

}  // namespace

std::optional<GpuKernelTimes> time_gpu_kernels(const KernelBenchOptions& options, std::string& why) {
  if (cuda::device_count() == 0) {
    why = cuda::describe_devices();
    return std::nullopt;
  }
  const KernelShapes shapes(options);
  std::mt19937 rng(1);
  std::vector<DeviceBuffer<float>> inputs;
  for (int k = 0; k < options.inputs; ++k) inputs.push_back(random_buffer(shapes.length, rng));
  DeviceBuffer<float> out = random_buffer(shapes.length, rng), parameters = random_buffer(shapes.length, rng),
                      momentum(shapes.length), weights = random_buffer(shapes.weights, rng),
                      bias = random_buffer(kDenseOutputs, rng), dense_input = random_buffer(shapes.dense_input, rng),
                      grad_output = random_buffer(shapes.dense_output, rng), dense_output(shapes.dense_output),
                      grad_weights(shapes.weights), grad_bias(kDenseOutputs), grad_input(shapes.dense_input),
                      logits = random_buffer(shapes.logits, rng), grad_logits(shapes.logits);
  check(cudaMemset(momentum.data(), 0, shapes.length * sizeof(float)), "cudaMemset");
  std::vector<uint8_t> host_labels(shapes.labels);
  for (auto& label : host_labels) label = static_cast<uint8_t>(rng() % kSoftmaxClasses);
  DeviceBuffer<uint8_t> labels{std::span<const uint8_t>(host_labels)}, packed(shapes.packed_bytes);
  DeviceBuffer<uint32_t> indices(shapes.kept);
  KernelBuffers buffers{{}, out.data(), parameters.data(), momentum.data(), weights.data(), bias.data(),
                        dense_input.data(), grad_output.data(), dense_output.data(), grad_weights.data(),
                        grad_bias.data(), grad_input.data(), logits.data(), labels.data(), grad_logits.data(),
                        packed.data(), indices.data()};
  for (const auto& input : inputs) buffers.inputs.push_back(input.data());

  int device = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  GpuKernelTimes times{peaks_of(device), {}};
  cudaEvent_t begin, end;
  check(cudaEventCreate(&begin), "cudaEventCreate");
  check(cudaEventCreate(&end), "cudaEventCreate");
  for (KernelOperation operation : kKernelOperations) {
    std::vector<double> seconds;
    for (int repetition = -1; repetition < options.repetitions; ++repetition) {
      check(cudaEventRecord(begin), "cudaEventRecord");
      run_kernel_operation(kGpuKernels, operation, buffers, options);
      check(cudaEventRecord(end), "cudaEventRecord");
      check(cudaEventSynchronize(end), "cudaEventSynchronize");
      float milliseconds = 0;
      check(cudaEventElapsedTime(&milliseconds, begin, end), "cudaEventElapsedTime");
      if (repetition >= 0) seconds.push_back(milliseconds / 1e3);
    }
    times.seconds.push_back(median_seconds(seconds));
  }
  cudaEventDestroy(begin);
  cudaEventDestroy(end);
  return times;
}

#endif

}  // namespace gossip::bench
