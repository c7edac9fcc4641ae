#include "kernels/sketch.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>

#include "common/splitmix64.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/cuda/launch.h"

namespace gossip::cuda {
namespace {

// Blocks stride over the columns, one group of 64 rows per blockIdx.y. Each thread sums its
// columns' signed values per row in double; a warp adds its 32 threads' sums with shuffles
// and one lane adds the warp's into the result.
__global__ void sketch_kernel(const float* model, std::size_t length, int rows, int groups, uint64_t key,
                              double* result) {
  const int group = static_cast<int>(blockIdx.y);
  double sums[64] = {};
  for (std::size_t column = blockIdx.x * blockDim.x + threadIdx.x; column < length;
       column += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const double value = model[column];
    const uint64_t signs = splitmix64(key ^ splitmix64(column * static_cast<uint64_t>(groups) + static_cast<uint64_t>(group)));
    for (int bit = 0; bit < 64; ++bit) sums[bit] += ((signs >> bit) & 1) ? value : -value;
  }
  for (int bit = 0; bit < 64; ++bit) {
    double sum = sums[bit];
    for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_down_sync(0xffffffffu, sum, offset);
    const int row = group * 64 + bit;
    if ((threadIdx.x & 31) == 0 && row < rows) atomicAdd(result + row, sum);
  }
}

}  // namespace

std::vector<double> sketch(const float* model, std::size_t length, int rows, uint64_t seed) {
  std::vector<double> result(static_cast<size_t>(rows), 0.0);
  if (rows <= 0) return result;
  const int groups = (rows + 63) / 64;
  DeviceBuffer<double> sums(static_cast<size_t>(rows));
  check(cudaMemset(sums.data(), 0, sizeof(double) * rows), "cudaMemset");
  if (length > 0) {
    const dim3 grid(std::min(blocks_for(length), 256u), static_cast<unsigned>(groups));
    sketch_kernel<<<grid, kThreads>>>(model, length, rows, groups, splitmix64(seed ^ 0x736b65746368ULL), sums.data());
    check_launch("cuda::sketch");
  }
  result = sums.download();
  const double scale = 1.0 / std::sqrt(static_cast<double>(rows));
  for (auto& value : result) value *= scale;
  return result;
}

}  // namespace gossip::cuda
