// One call of each benchmarked operation, through a set of kernels: the CPU's and the
// CUDA twins have the same signatures (kernels/*.h), so one function runs either on
// pointers to the memory of either.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/kernel_bench.h"
#include "kernels/compression.h"
#include "kernels/dense.h"
#include "kernels/distances.h"
#include "kernels/order_statistics.h"
#include "kernels/sgd_step.h"
#include "kernels/sketch.h"
#include "kernels/weighted_sum.h"

namespace gossip::bench {

struct KernelSet {
  decltype(&cpu::weighted_sum) weighted_sum;
  decltype(&cpu::sgd_step) sgd_step;
  decltype(&cpu::coordinate_median) coordinate_median;
  decltype(&cpu::trimmed_mean) trimmed_mean;
  decltype(&cpu::squared_distance) squared_distance;
  decltype(&cpu::all_finite) all_finite;
  decltype(&cpu::relu_forward) relu_forward;
  decltype(&cpu::dense_forward) dense_forward;
  decltype(&cpu::dense_backward) dense_backward;
  decltype(&cpu::softmax_cross_entropy) softmax_cross_entropy;
  decltype(&cpu::sign_bits) sign_bits;
  decltype(&cpu::qsgd_codes) qsgd_codes;
  decltype(&cpu::top_k_indices) top_k_indices;
  decltype(&cpu::sketch) sketch;
};

// The sizes of every buffer an operation touches, in floats (labels: bytes).
struct KernelShapes {
  std::size_t length, weights, dense_input, dense_output, logits, labels;
  std::size_t packed_bytes, kept;  // QSGD's codes (whole 4-byte words), top-k's indices
  explicit KernelShapes(const KernelBenchOptions& options);
};

// Where each operation reads and writes, on one device.
struct KernelBuffers {
  std::vector<const float*> inputs;  // k vectors of `length`
  float* out;                        // `length`: the outputs, and ReLU's activations
  float* parameters;                 // `length`
  float* momentum;                   // `length`
  const float *weights, *bias, *dense_input, *grad_output;
  float *dense_output, *grad_weights, *grad_bias, *grad_input;
  const float* logits;
  const uint8_t* labels;
  float* grad_logits;
  uint8_t* packed;    // packed_bytes: sign bits or QSGD codes
  uint32_t* indices;  // kept
};

void run_kernel_operation(const KernelSet& kernels, KernelOperation operation, const KernelBuffers& buffers,
                          const KernelBenchOptions& options);

}  // namespace gossip::bench
