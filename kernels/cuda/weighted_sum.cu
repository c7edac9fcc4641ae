#include "kernels/weighted_sum.h"

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace gossip::cuda {
namespace {

// Up to this many inputs travel by value in the kernel's parameters; gossip degrees
// are small (a ring has 3 terms, an exponential graph on 1024 peers 11).
constexpr int kMaxInputs = 32;

struct Terms {
  const float* inputs[kMaxInputs];
  double weights[kMaxInputs];
  int count;
};

__global__ void weighted_sum_kernel(Terms terms, float* out, std::size_t length) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    // In double, rounded once, as on the CPU (kernels/weighted_sum.h).
    double sum = terms.weights[0] * static_cast<double>(terms.inputs[0][i]);
    for (int k = 1; k < terms.count; ++k) sum += terms.weights[k] * static_cast<double>(terms.inputs[k][i]);
    out[i] = static_cast<float>(sum);
  }
}

}  // namespace

void weighted_sum(std::span<const float* const> inputs, std::span<const double> weights, float* out,
                  std::size_t length) {
  if (inputs.size() != weights.size() || inputs.empty() || inputs.size() > kMaxInputs) {
    throw std::invalid_argument("cuda::weighted_sum: " + std::to_string(inputs.size()) + " inputs, " +
                                std::to_string(weights.size()) + " weights (1.." +
                                std::to_string(kMaxInputs) + " of each expected)");
  }
  if (length == 0) return;
  Terms terms{};
  terms.count = static_cast<int>(inputs.size());
  for (int k = 0; k < terms.count; ++k) {
    terms.inputs[k] = inputs[k];
    terms.weights[k] = weights[k];
  }
  constexpr int kThreads = 256;
  std::size_t blocks = (length + kThreads - 1) / kThreads;
  weighted_sum_kernel<<<static_cast<unsigned>(blocks < 4096 ? blocks : 4096), kThreads>>>(terms, out, length);
  if (cudaError_t status = cudaGetLastError(); status != cudaSuccess) {
    throw std::runtime_error(std::string("cuda::weighted_sum launch failed: ") + cudaGetErrorString(status));
  }
}

}  // namespace gossip::cuda
