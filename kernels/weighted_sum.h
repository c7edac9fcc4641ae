// The mixing step of gossip on one device: out = sum_k weights[k] * inputs[k].
// The weights stay double (a ring's thirds rounded to float32 sum to 1 + 3e-8, which
// would move the network's average by that much every round) and each element is summed
// in double and rounded to float32 once. The CPU and CUDA versions share one signature;
// the CUDA one takes device pointers and is enqueued on the default stream (the caller
// synchronises before reading out).
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>  // bad arguments throw std::invalid_argument

namespace gossip::cpu {
// `out` may alias inputs[0] (mixing in place into the own model) but no other input.
void weighted_sum(std::span<const float* const> inputs, std::span<const double> weights, float* out,
                  std::size_t length);
// out += scale * (a - b), each operation rounded to float32 on its own: self-centred
// clipping's step towards a neighbour (algorithms/aggregators/clipping.cc).
void add_scaled_difference(float* out, float scale, const float* a, const float* b, std::size_t length);
}  // namespace gossip::cpu

namespace gossip::cuda {
// The most inputs one CUDA kernel over k vectors takes (the weighted sum, the order
// statistics): their pointers travel in the kernel's arguments, and each thread of an order
// statistic sorts its coordinate's values in registers.
inline constexpr std::size_t kMaxInputs = 32;
void weighted_sum(std::span<const float* const> inputs, std::span<const double> weights, float* out,
                  std::size_t length);
void add_scaled_difference(float* out, float scale, const float* a, const float* b, std::size_t length);
}  // namespace gossip::cuda
