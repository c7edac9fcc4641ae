// Euclidean distances between vectors on one device, summed in double: what Krum, the
// geometric median, nearest-neighbour mixing and clipping measure their neighbours by.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace gossip {
// The k x k matrix of distance(inputs[i], inputs[j]), row major, symmetric, 0 on the
// diagonal: each pair measured once, by either device's squared_distance.
std::vector<double> pairwise_distances(std::span<const float* const> inputs, std::size_t length,
                                       double (*distance)(const float*, const float*, std::size_t));
}  // namespace gossip

namespace gossip::cpu {

// ||a - b||^2 over `length` values.
double squared_distance(const float* a, const float* b, std::size_t length);
// The k x k matrix of ||inputs[i] - inputs[j]||^2, row major.
std::vector<double> pairwise_squared_distances(std::span<const float* const> inputs, std::size_t length);
// Whether every value is finite (no NaN, no infinity).
bool all_finite(const float* values, std::size_t length);

}  // namespace gossip::cpu

namespace gossip::cuda {
// The same on device pointers; each waits for its result, which comes back to the host.
double squared_distance(const float* a, const float* b, std::size_t length);
std::vector<double> pairwise_squared_distances(std::span<const float* const> inputs, std::size_t length);
bool all_finite(const float* values, std::size_t length);
}  // namespace gossip::cuda
