#include "kernels/weighted_sum.h"

#include <cuda_runtime.h>

#include <string>

#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"

namespace gossip::cuda {
namespace {

struct Weights {
  double values[kMaxInputs];
};

__global__ void weighted_sum_kernel(Inputs inputs, Weights weights, float* out, std::size_t length) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    // In double, rounded once, as on the CPU (kernels/weighted_sum.h).
    double sum = weights.values[0] * static_cast<double>(inputs.pointers[0][i]);
    for (int k = 1; k < inputs.count; ++k) sum += weights.values[k] * static_cast<double>(inputs.pointers[k][i]);
    out[i] = static_cast<float>(sum);
  }
}

__global__ void add_scaled_difference_kernel(float* out, float scale, const float* a, const float* b,
                                             std::size_t length) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    out[i] = __fadd_rn(out[i], __fmul_rn(scale, __fsub_rn(a[i], b[i])));
  }
}

}  // namespace

void add_scaled_difference(float* out, float scale, const float* a, const float* b, std::size_t length) {
  if (length == 0) return;
  add_scaled_difference_kernel<<<blocks_for(length), kThreads>>>(out, scale, a, b, length);
  check_launch("cuda::add_scaled_difference");
}

void weighted_sum(std::span<const float* const> inputs, std::span<const double> weights, float* out,
                  std::size_t length) {
  if (inputs.size() != weights.size()) {
    throw std::invalid_argument("cuda::weighted_sum: " + std::to_string(inputs.size()) + " inputs, " +
                                std::to_string(weights.size()) + " weights");
  }
  const Inputs list = inputs_of(inputs, "weighted_sum");
  if (length == 0) return;
  Weights values{};
  for (int k = 0; k < list.count; ++k) values.values[k] = weights[k];
  weighted_sum_kernel<<<blocks_for(length), kThreads>>>(list, values, out, length);
  check_launch("cuda::weighted_sum");
}

}  // namespace gossip::cuda
