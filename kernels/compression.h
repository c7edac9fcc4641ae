// The arithmetic of the compressors (algorithms/compressors/) on one device: what touches
// every value of a model, so that a model on the GPU is compressed there and only the
// message's bytes cross. The wire formats and their checks stay with the compressors; these
// fill and read their bodies. The CUDA twins take device pointers and give the same bytes
// and values as the CPU's, the sums aside (summed in another order: within 1e-12 relative).
#pragma once

#include <cstddef>
#include <cstdint>

namespace gossip::cpu {

// sum v_i^2 and sum |v_i|, in double.
double sum_of_squares(const float* values, std::size_t length);
double sum_of_magnitudes(const float* values, std::size_t length);

// Scaled sign: bit i (LSB first, (length + 7) / 8 bytes, all written) set where v_i < 0; and
// back, -scale where the bit is set and scale elsewhere.
void sign_bits(const float* values, std::size_t length, uint8_t* bits);
void sign_values(const uint8_t* bits, std::size_t length, float scale, float* out);

// QSGD with s = `levels` and `bits` per value (the sign in the top one): value i's level is
// floor(|v_i| s / norm), one higher when draw i of SplitMix64Stream(seed) is below the
// remainder, at most s; 0 for every value when norm is 0 or not finite. Packed LSB first,
// (length * bits + 7) / 8 bytes, all written.
void qsgd_codes(const float* values, std::size_t length, float norm, int levels, int bits, uint64_t seed,
                uint8_t* packed);
// The values back, +-level * norm / s; false when a level is above s (not a valid message).
bool qsgd_values(const uint8_t* packed, std::size_t length, float norm, int levels, int bits, float* out);

// Top-k: the indices, ascending, of the k largest magnitudes (NaN the largest; of equal
// ones, the lowest indices).
void top_k_indices(const float* values, std::size_t length, std::size_t k, uint32_t* indices);
// out[j] = values[indices[j]], bit for bit; gather_scaled multiplies each by `scale`.
void gather(const float* values, const uint32_t* indices, std::size_t k, float* out);
void gather_scaled(const float* values, const uint32_t* indices, std::size_t k, float scale, float* out);
// out (length values) zero but out[indices[j]] = values[j], bit for bit.
void scatter(const float* values, const uint32_t* indices, std::size_t k, std::size_t length, float* out);

}  // namespace gossip::cpu

namespace gossip::cuda {
// The same on device pointers (indices too). The sums wait for their result; qsgd_values
// waits for its check. qsgd_codes's `packed` must hold a whole number of 4-byte words
// ((length * bits + 31) / 32 of them, 4-byte aligned), every one written.
double sum_of_squares(const float* values, std::size_t length);
double sum_of_magnitudes(const float* values, std::size_t length);
void sign_bits(const float* values, std::size_t length, uint8_t* bits);
void sign_values(const uint8_t* bits, std::size_t length, float scale, float* out);
void qsgd_codes(const float* values, std::size_t length, float norm, int levels, int bits, uint64_t seed,
                uint8_t* packed);
bool qsgd_values(const uint8_t* packed, std::size_t length, float norm, int levels, int bits, float* out);
void top_k_indices(const float* values, std::size_t length, std::size_t k, uint32_t* indices);
void gather(const float* values, const uint32_t* indices, std::size_t k, float* out);
void gather_scaled(const float* values, const uint32_t* indices, std::size_t k, float scale, float* out);
void scatter(const float* values, const uint32_t* indices, std::size_t k, std::size_t length, float* out);
}  // namespace gossip::cuda
