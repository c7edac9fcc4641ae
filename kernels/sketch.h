// The random sketch S x of a model (runtime/sketch.h says what it is for), on one device:
// S has `rows` rows of +-1/sqrt(rows), the signs of column j from splitmix64 of j and the
// seed, so any column's are made on their own. The CUDA twin sums in double where the CPU
// sums blocks of 4096 columns in float first: the two agree within 1e-5 of ||x||.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace gossip::cpu {
std::vector<double> sketch(const float* model, std::size_t length, int rows, uint64_t seed);
}  // namespace gossip::cpu

namespace gossip::cuda {
// `model` on the device; the sketch comes back to the host.
std::vector<double> sketch(const float* model, std::size_t length, int rows, uint64_t seed);
}  // namespace gossip::cuda
