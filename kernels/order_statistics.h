// Order statistics of k vectors, coordinate by coordinate, on one device: the robust
// combines median and trimmed mean. CPU versions here; CUDA twins take the same signatures
// with device pointers. Inputs must be finite (the aggregators refuse a vector with a
// non-finite value before it gets here).
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>  // bad arguments throw std::invalid_argument

namespace gossip::cpu {

// out[c] = the median of inputs[0][c] .. inputs[k-1][c]; for an even k, the mean of the two
// middle values. `out` may alias any input (each coordinate is read whole before it is
// written). Throws std::invalid_argument for no inputs.
void coordinate_median(std::span<const float* const> inputs, float* out, std::size_t length);

// out[c] = the mean of inputs[.][c] without its `trim` smallest and `trim` largest values,
// summed in double. `out` may alias any input. Throws std::invalid_argument when
// 2 * trim >= k (nothing would be left).
void trimmed_mean(std::span<const float* const> inputs, std::size_t trim, float* out, std::size_t length);

}  // namespace gossip::cpu

namespace gossip::cuda {
// The same on device pointers (at most kMaxInputs, kernels/weighted_sum.h), enqueued on
// the default stream; equal to the CPU's results, value for value.
void coordinate_median(std::span<const float* const> inputs, float* out, std::size_t length);
void trimmed_mean(std::span<const float* const> inputs, std::size_t trim, float* out, std::size_t length);
}  // namespace gossip::cuda
