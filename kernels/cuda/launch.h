// What the CUDA kernels of this folder share: the launch shape of a pass over n elements,
// and the k input pointers a kernel takes by value (a neighbourhood's buffers).
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernels/cuda/check.h"
#include "kernels/cuda/device_buffer.h"
#include "kernels/weighted_sum.h"

namespace gossip::cuda {

constexpr int kThreads = 256;

// Grid-stride loops cover any length; more blocks than this only queue.
constexpr unsigned kMaxBlocks = 4096;
inline unsigned blocks_for(std::size_t length) {
  const std::size_t blocks = (length + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < kMaxBlocks ? (blocks ? blocks : 1) : kMaxBlocks);
}

// kMaxInputs (kernels/weighted_sum.h) inputs at most travel in a kernel's parameters;
// gossip degrees are small (a ring has 3 terms, an exponential graph on 1024 peers 11).
struct Inputs {
  const float* pointers[kMaxInputs];
  int count;
};

inline Inputs inputs_of(std::span<const float* const> inputs, const char* operation) {
  if (inputs.empty() || inputs.size() > kMaxInputs) {
    throw std::invalid_argument(std::string("cuda::") + operation + ": " + std::to_string(inputs.size()) +
                                " inputs (1.." + std::to_string(kMaxInputs) + " expected)");
  }
  Inputs list{};
  list.count = static_cast<int>(inputs.size());
  for (int k = 0; k < list.count; ++k) list.pointers[k] = inputs[k];
  return list;
}

// Device memory for one T per thread, made on first use, for a kernel's small result (a
// sum, a flag, counts): a cudaMalloc and cudaFree per call would cost more than the kernels
// they serve, and cudaFree waits for the whole device.
template <typename T>
T* result_slot() {
  thread_local DeviceBuffer<T> slot(1);
  return slot.data();
}

// A reduction in two steps that add in the same order every run (atomics would not, and a
// sum's last bits would then move from run to run: Krum's choice, Weiszfeld's weights): each
// block writes its sum into block_sums()[blockIdx.x] (write_block_sum), and the host adds the
// `blocks` of them in block order.
inline double* block_sums() {
  thread_local DeviceBuffer<double> sums(kMaxBlocks);
  return sums.data();
}
inline double total_of_blocks(unsigned blocks) {
  std::vector<double> sums(blocks);
  check(cudaMemcpy(sums.data(), block_sums(), blocks * sizeof(double), cudaMemcpyDeviceToHost), "cudaMemcpy from the GPU");
  double total = 0;
  for (double sum : sums) total += sum;
  return total;
}

#if defined(__CUDACC__)
// Writes the sum of every thread's `sum` into sums[blockIdx.x]: a tree in shared memory.
// Every thread of a kThreads-wide block must call it.
__device__ inline void write_block_sum(double sum, double* sums) {
  __shared__ double partial[kThreads];
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (int half = kThreads / 2; half > 0; half /= 2) {
    if (static_cast<int>(threadIdx.x) < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) sums[blockIdx.x] = partial[0];
}
#endif

}  // namespace gossip::cuda
