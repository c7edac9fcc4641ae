#include "kernels/compression.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <stdexcept>
#include <string>
#include <cub/device/device_radix_sort.cuh>

#include "common/splitmix64.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"

namespace gossip::cuda {
namespace {

// Per-thread sums in double, then the block's (launch.h's two-step reduction).
template <bool kSquares>
__global__ void sum_kernel(const float* values, std::size_t length, double* sums) {
  double sum = 0;
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const double value = values[i];
    sum += kSquares ? value * value : fabs(value);
  }
  write_block_sum(sum, sums);
}

template <bool kSquares>
double sum_of(const float* values, std::size_t length, const char* operation) {
  if (length == 0) return 0;
  const unsigned blocks = blocks_for(length);
  sum_kernel<kSquares><<<blocks, kThreads>>>(values, length, block_sums());
  check_launch(operation);
  return total_of_blocks(blocks);
}

// One thread per byte of bits: the signs of its 8 values.
__global__ void sign_bits_kernel(const float* values, std::size_t length, uint8_t* bits) {
  const std::size_t bytes = (length + 7) / 8;
  for (std::size_t b = blockIdx.x * blockDim.x + threadIdx.x; b < bytes; b += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    uint8_t byte = 0;
    for (int k = 0; k < 8 && 8 * b + k < length; ++k) {
      if (values[8 * b + k] < 0) byte |= static_cast<uint8_t>(1u << k);
    }
    bits[b] = byte;
  }
}

__global__ void sign_values_kernel(const uint8_t* bits, std::size_t length, float scale, float* out) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    out[i] = ((bits[i / 8] >> (i % 8)) & 1) ? -scale : scale;
  }
}

// Value i's code, as the CPU's qsgd_codes makes it; draw i of the stream is its own.
__device__ uint32_t qsgd_code(float value, std::size_t i, bool quantise, double scale, int levels, uint32_t sign_bit,
                              uint64_t seed) {
  uint32_t level = 0;
  if (quantise) {
    // Rounded before the subtraction below, as on the CPU: no multiply-add fuses them.
    const double scaled = __dmul_rn(fabs(static_cast<double>(value)), scale);
    const double whole = floor(scaled);
    const uint64_t draw = splitmix64(seed + static_cast<uint64_t>(i) * SplitMix64Stream::kStep);
    const float unit = static_cast<float>(draw >> 40) * 0x1p-24f;
    level = static_cast<uint32_t>(whole) + (static_cast<double>(unit) < scaled - whole ? 1 : 0);
    if (level > static_cast<uint32_t>(levels)) level = static_cast<uint32_t>(levels);
  }
  return level | (signbit(value) ? sign_bit : 0);
}

// One thread per 32-bit word of the packed stream: it makes the codes that overlap it (a
// code on a word boundary is made by both words' threads), so no two threads write a word.
__global__ void qsgd_codes_kernel(const float* values, std::size_t length, bool quantise, double scale, int levels,
                                  int bits, uint64_t seed, uint32_t* words) {
  const std::size_t count = (length * bits + 31) / 32;
  const uint32_t sign_bit = 1u << (bits - 1);
  for (std::size_t w = blockIdx.x * blockDim.x + threadIdx.x; w < count; w += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const int64_t first_bit = static_cast<int64_t>(w) * 32;
    uint32_t word = 0;
    for (std::size_t i = static_cast<std::size_t>(first_bit / bits); i < length && static_cast<int64_t>(i) * bits < first_bit + 32; ++i) {
      const uint64_t code = qsgd_code(values[i], i, quantise, scale, levels, sign_bit, seed);
      const int64_t offset = static_cast<int64_t>(i) * bits - first_bit;
      word |= static_cast<uint32_t>(offset >= 0 ? code << offset : code >> -offset);
    }
    words[w] = word;
  }
}

__global__ void qsgd_values_kernel(const uint8_t* packed, std::size_t length, int levels, int bits, float step,
                                   float* out, int* invalid) {
  const std::size_t bytes = (length * bits + 7) / 8;
  const uint32_t sign_bit = 1u << (bits - 1);
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const std::size_t bit = i * bits, byte = bit / 8;
    uint32_t window = 0;  // a code of up to 16 bits starts in this byte and ends within 3
    for (int k = 0; k < 3 && byte + k < bytes; ++k) window |= static_cast<uint32_t>(packed[byte + k]) << (8 * k);
    const uint32_t code = (window >> (bit % 8)) & ((1u << bits) - 1);
    const uint32_t level = code & (sign_bit - 1);
    if (level > static_cast<uint32_t>(levels)) *invalid = 1;
    const float size = __fmul_rn(step, static_cast<float>(level));
    out[i] = (code & sign_bit) ? -size : size;
  }
}

// Sort keys whose order is the CPU's magnitude order: |v|'s bits, NaN as infinity.
__global__ void magnitude_keys_kernel(const float* values, std::size_t length, uint32_t* keys, uint32_t* order) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    keys[i] = isnan(values[i]) ? 0x7f800000u : (__float_as_uint(values[i]) & 0x7fffffffu);
    order[i] = static_cast<uint32_t>(i);
  }
}

__global__ void gather_kernel(const float* values, const uint32_t* indices, std::size_t k, float scale, bool scaled,
                              float* out) {
  for (std::size_t j = blockIdx.x * blockDim.x + threadIdx.x; j < k; j += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    const float value = values[indices[j]];
    out[j] = scaled ? __fmul_rn(value, scale) : value;
  }
}

__global__ void scatter_kernel(const float* values, const uint32_t* indices, std::size_t k, float* out) {
  for (std::size_t j = blockIdx.x * blockDim.x + threadIdx.x; j < k; j += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    out[indices[j]] = values[j];
  }
}

}  // namespace

double sum_of_squares(const float* values, std::size_t length) {
  return sum_of<true>(values, length, "cuda::sum_of_squares");
}

double sum_of_magnitudes(const float* values, std::size_t length) {
  return sum_of<false>(values, length, "cuda::sum_of_magnitudes");
}

void sign_bits(const float* values, std::size_t length, uint8_t* bits) {
  if (length == 0) return;
  sign_bits_kernel<<<blocks_for((length + 7) / 8), kThreads>>>(values, length, bits);
  check_launch("cuda::sign_bits");
}

void sign_values(const uint8_t* bits, std::size_t length, float scale, float* out) {
  if (length == 0) return;
  sign_values_kernel<<<blocks_for(length), kThreads>>>(bits, length, scale, out);
  check_launch("cuda::sign_values");
}

void qsgd_codes(const float* values, std::size_t length, float norm, int levels, int bits, uint64_t seed,
                uint8_t* packed) {
  if (length == 0) return;
  const bool quantise = norm > 0 && std::isfinite(norm);
  const std::size_t words = (length * bits + 31) / 32;
  qsgd_codes_kernel<<<blocks_for(words), kThreads>>>(values, length, quantise, levels / double{norm}, levels, bits, seed,
                                                     reinterpret_cast<uint32_t*>(packed));
  check_launch("cuda::qsgd_codes");
}

bool qsgd_values(const uint8_t* packed, std::size_t length, float norm, int levels, int bits, float* out) {
  int* invalid = result_slot<int>();
  check(cudaMemset(invalid, 0, sizeof(int)), "cudaMemset");
  if (length > 0) {
    qsgd_values_kernel<<<blocks_for(length), kThreads>>>(packed, length, levels, bits, norm / static_cast<float>(levels),
                                                         out, invalid);
    check_launch("cuda::qsgd_values");
  }
  int result = 0;
  check(cudaMemcpy(&result, invalid, sizeof result, cudaMemcpyDeviceToHost), "cudaMemcpy from the GPU");
  return result == 0;
}

// A stable radix sort of (magnitude, index) by magnitude, largest first, puts the k wanted
// first, equal magnitudes in index order; a second sort puts those k in index order.
void top_k_indices(const float* values, std::size_t length, std::size_t k, uint32_t* indices) {
  if (k == 0) return;
  if (length > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument("cuda::top_k_indices: " + std::to_string(length) + " values, CUB's sort takes at most " +
                                std::to_string(INT_MAX));
  }
  const int n = static_cast<int>(length), kept = static_cast<int>(k);
  DeviceBuffer<uint32_t> keys(length), sorted_keys(length), order(length), sorted_order(length);
  magnitude_keys_kernel<<<blocks_for(length), kThreads>>>(values, length, keys.data(), order.data());
  check_launch("cuda::top_k_indices");
  std::size_t by_size = 0, by_index = 0;
  check(cub::DeviceRadixSort::SortPairsDescending(nullptr, by_size, keys.data(), sorted_keys.data(), order.data(),
                                                  sorted_order.data(), n),
        "cub::DeviceRadixSort");
  check(cub::DeviceRadixSort::SortKeys(nullptr, by_index, sorted_order.data(), indices, kept), "cub::DeviceRadixSort");
  DeviceBuffer<uint8_t> scratch(std::max(by_size, by_index));
  check(cub::DeviceRadixSort::SortPairsDescending(scratch.data(), by_size, keys.data(), sorted_keys.data(), order.data(),
                                                  sorted_order.data(), n),
        "cub::DeviceRadixSort of the magnitudes");
  check(cub::DeviceRadixSort::SortKeys(scratch.data(), by_index, sorted_order.data(), indices, kept),
        "cub::DeviceRadixSort of the kept indices");
}

void gather(const float* values, const uint32_t* indices, std::size_t k, float* out) {
  if (k == 0) return;
  gather_kernel<<<blocks_for(k), kThreads>>>(values, indices, k, 1.0f, false, out);
  check_launch("cuda::gather");
}

void gather_scaled(const float* values, const uint32_t* indices, std::size_t k, float scale, float* out) {
  if (k == 0) return;
  gather_kernel<<<blocks_for(k), kThreads>>>(values, indices, k, scale, true, out);
  check_launch("cuda::gather_scaled");
}

void scatter(const float* values, const uint32_t* indices, std::size_t k, std::size_t length, float* out) {
  check(cudaMemset(out, 0, length * sizeof(float)), "cudaMemset");
  if (k == 0) return;
  scatter_kernel<<<blocks_for(k), kThreads>>>(values, indices, k, out);
  check_launch("cuda::scatter");
}

}  // namespace gossip::cuda
