#include "kernels/sgd_step.h"

#include <cuda_runtime.h>

#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"

namespace gossip::cuda {
namespace {

// The CPU's order of operations (kernels/cpu/sgd_step.cc), each rounded on its own: the
// _rn intrinsics keep nvcc from fusing a multiply and an add into one rounding.
__global__ void sgd_kernel(SgdOptions options, float* p, const float* g, float* b, std::size_t length) {
  const float lr = options.learning_rate, mu = options.momentum, decay = options.weight_decay;
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const float d = __fadd_rn(g[i], __fmul_rn(decay, p[i]));
    float direction = d;
    if (mu != 0.0f) {
      const float buffer = __fadd_rn(__fadd_rn(__fmul_rn(mu, b[i]), g[i]), __fmul_rn(decay, p[i]));
      b[i] = buffer;
      direction = options.nesterov ? __fadd_rn(d, __fmul_rn(mu, buffer)) : buffer;
    }
    p[i] = __fsub_rn(p[i], __fmul_rn(lr, direction));
  }
}

__global__ void add_scaled_kernel(float* out, float scale, const float* x, std::size_t length) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    out[i] = __fadd_rn(out[i], __fmul_rn(scale, x[i]));
  }
}

}  // namespace

void add_scaled(float* out, float scale, const float* x, std::size_t length) {
  if (length == 0) return;
  add_scaled_kernel<<<blocks_for(length), kThreads>>>(out, scale, x, length);
  check_launch("cuda::add_scaled");
}

void sgd_step(const SgdOptions& options, float* parameters, const float* gradient, float* momentum_buffer,
              std::size_t length) {
  check_sgd_options(options, momentum_buffer, length, "cuda::sgd_step");
  if (length == 0) return;
  sgd_kernel<<<blocks_for(length), kThreads>>>(options, parameters, gradient, momentum_buffer, length);
  check_launch("cuda::sgd_step");
}

}  // namespace gossip::cuda
