#include "kernels/gather.h"

#include <cuda_runtime.h>

#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"

namespace gossip::cuda {
namespace {

// One thread per output value, grid-stride over the batch's count x row_length values; the
// first row of threads of each column also copies its label.
__global__ void gather_kernel(const uint8_t* rows, std::size_t row_length, const uint8_t* row_labels,
                              const int* indices, std::size_t count, const float* table, float* images,
                              uint8_t* labels) {
  const std::size_t total = count * row_length;
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < total;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const std::size_t column = i / row_length, p = i % row_length;
    const std::size_t row = static_cast<std::size_t>(indices[column]);
    images[i] = table[rows[row * row_length + p]];
    if (labels != nullptr && p == 0) labels[column] = row_labels[row];
  }
}

}  // namespace

void gather_rows(const uint8_t* rows, std::size_t row_length, const uint8_t* row_labels, const int* indices,
                 std::size_t count, const float* table, float* images, uint8_t* labels) {
  if (count == 0 || row_length == 0) return;
  gather_kernel<<<blocks_for(count * row_length), kThreads>>>(rows, row_length, row_labels, indices, count, table,
                                                             images, labels);
  check_launch("cuda::gather_rows");
}

}  // namespace gossip::cuda
