#include "kernels/distances.h"

#include <cuda_runtime.h>

#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"

namespace gossip::cuda {
namespace {

// Each thread sums its elements in double, each block its threads' sums, and the host the
// blocks' in order (the same every run): as accurate as the CPU's float blocks summed in
// double, or more, so the two agree to the float rounding of a block (a relative 1e-6 or so).
__global__ void squared_distance_kernel(const float* a, const float* b, std::size_t length, double* sums) {
  double sum = 0;
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const double difference = static_cast<double>(a[i]) - b[i];
    sum += difference * difference;
  }
  write_block_sum(sum, sums);
}

__global__ void finite_kernel(const float* values, std::size_t length, int* found) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    if (!isfinite(values[i])) *found = 1;  // a plain store: any thread that finds one says so
  }
}

}  // namespace

double squared_distance(const float* a, const float* b, std::size_t length) {
  if (length == 0) return 0;
  const unsigned blocks = blocks_for(length);
  squared_distance_kernel<<<blocks, kThreads>>>(a, b, length, block_sums());
  check_launch("cuda::squared_distance");
  return total_of_blocks(blocks);
}

std::vector<double> pairwise_squared_distances(std::span<const float* const> inputs, std::size_t length) {
  return pairwise_distances(inputs, length, &squared_distance);
}

bool all_finite(const float* values, std::size_t length) {
  int* found = result_slot<int>();
  check(cudaMemset(found, 0, sizeof(int)), "cudaMemset");
  if (length > 0) {
    finite_kernel<<<blocks_for(length), kThreads>>>(values, length, found);
    check_launch("cuda::all_finite");
  }
  int result = 0;
  check(cudaMemcpy(&result, found, sizeof result, cudaMemcpyDeviceToHost), "cudaMemcpy from the GPU");
  return result == 0;
}

}  // namespace gossip::cuda
