#include "kernels/order_statistics.h"

#include <cuda_runtime.h>

#include <string>

#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"

namespace gossip::cuda {
namespace {

// One thread a coordinate: its k values sorted in registers (k <= 32, insertion sort), then
// the CPU's reduction of the sorted values in the CPU's order, so the results are equal.
__device__ int sorted_column(const Inputs& inputs, std::size_t i, float* values) {
  const int k = inputs.count;
  for (int row = 0; row < k; ++row) {
    const float value = inputs.pointers[row][i];
    int at = row;
    for (; at > 0 && values[at - 1] > value; --at) values[at] = values[at - 1];
    values[at] = value;
  }
  return k;
}

__global__ void median_kernel(Inputs inputs, float* out, std::size_t length) {
  float values[kMaxInputs];
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const int k = sorted_column(inputs, i, values);
    const int middle = k / 2;
    out[i] = k % 2 ? values[middle]
                   : static_cast<float>((static_cast<double>(values[middle - 1]) + values[middle]) / 2);
  }
}

__global__ void trimmed_mean_kernel(Inputs inputs, int trim, float* out, std::size_t length) {
  float values[kMaxInputs];
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const int k = sorted_column(inputs, i, values);
    double sum = 0;
    for (int row = trim; row < k - trim; ++row) sum += values[row];
    out[i] = static_cast<float>(sum / static_cast<double>(k - 2 * trim));
  }
}

}  // namespace

void coordinate_median(std::span<const float* const> inputs, float* out, std::size_t length) {
  if (inputs.empty()) throw std::invalid_argument("cuda::coordinate_median: no inputs");
  const Inputs list = inputs_of(inputs, "coordinate_median");
  if (length == 0) return;
  median_kernel<<<blocks_for(length), kThreads>>>(list, out, length);
  check_launch("cuda::coordinate_median");
}

void trimmed_mean(std::span<const float* const> inputs, std::size_t trim, float* out, std::size_t length) {
  if (2 * trim >= inputs.size()) {
    throw std::invalid_argument("cuda::trimmed_mean: trimming " + std::to_string(trim) + " from each end of " +
                                std::to_string(inputs.size()) + " values leaves none");
  }
  const Inputs list = inputs_of(inputs, "trimmed_mean");
  if (length == 0) return;
  trimmed_mean_kernel<<<blocks_for(length), kThreads>>>(list, static_cast<int>(trim), out, length);
  check_launch("cuda::trimmed_mean");
}

}  // namespace gossip::cuda
