// One step of stochastic gradient descent with the semantics of PyTorch's
// torch.optim.SGD (dampening 0), so a run can be compared with a PyTorch one:
//   d = gradient + weight_decay * parameters
//   momentum_buffer = momentum * momentum_buffer + d
//   parameters -= learning_rate * (nesterov ? d + momentum * momentum_buffer : momentum_buffer)
// PyTorch sets the buffer to d on the first step; here the caller zero-initialises it
// instead, which gives the same b = 0 * momentum + d on step one without a flag to store.
#pragma once

#include <cstddef>
#include <stdexcept>  // bad options throw std::invalid_argument

namespace gossip {

struct SgdOptions {
  float learning_rate = 0.01f;
  float momentum = 0.0f;  // 0: plain SGD, and momentum_buffer may be null
  float weight_decay = 0.0f;
  bool nesterov = false;  // needs momentum > 0, as in PyTorch
};

// Throws std::invalid_argument, "<operation>: <why>", on options no step may take (below).
// A step over no values needs no momentum buffer (an empty vector's data() may be null).
void check_sgd_options(const SgdOptions& options, const float* momentum_buffer, std::size_t length,
                       const char* operation);

}  // namespace gossip

namespace gossip::cpu {

// Updates parameters and momentum_buffer (length floats each) in place. The buffer
// belongs to these parameters: zero it once before the first step, keep it between
// steps. Throws std::invalid_argument on a negative rate, momentum or weight decay, on
// Nesterov without momentum, and on a null buffer when momentum > 0.
void sgd_step(const SgdOptions& options, float* parameters, const float* gradient, float* momentum_buffer,
              std::size_t length);

}  // namespace gossip::cpu

namespace gossip::cuda {
// The same step on device pointers, enqueued on the default stream; each operation rounds
// on its own as the CPU's does (no fused multiply-add).
void sgd_step(const SgdOptions& options, float* parameters, const float* gradient, float* momentum_buffer,
              std::size_t length);
// out += scale * x, the product and the sum each rounded (the weight decay that gradient
// tracking's gradient carries; the CPU's is kernels/cpu_device.h's add_scaled).
void add_scaled(float* out, float scale, const float* x, std::size_t length);
}  // namespace gossip::cuda
