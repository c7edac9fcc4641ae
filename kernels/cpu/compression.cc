#include "kernels/compression.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

#include "common/splitmix64.h"

namespace gossip::cpu {
namespace {

// LSB first: code i's bits follow code i-1's, bytes filled from their lowest bit.
class BitWriter {
 public:
  explicit BitWriter(uint8_t* out) : out_(out) {}
  void put(uint32_t code, int bits) {
    buffer_ |= static_cast<uint64_t>(code) << filled_;
    filled_ += bits;
    while (filled_ >= 8) {
      *out_++ = static_cast<uint8_t>(buffer_);
      buffer_ >>= 8;
      filled_ -= 8;
    }
  }
  void flush() {
    if (filled_ > 0) *out_ = static_cast<uint8_t>(buffer_);
  }

 private:
  uint8_t* out_;
  uint64_t buffer_ = 0;
  int filled_ = 0;
};

class BitReader {
 public:
  explicit BitReader(const uint8_t* in, const uint8_t* end) : in_(in), end_(end) {}
  uint32_t get(int bits) {
    while (filled_ < bits) {
      buffer_ |= static_cast<uint64_t>(in_ < end_ ? *in_++ : 0) << filled_;
      filled_ += 8;
    }
    const auto code = static_cast<uint32_t>(buffer_ & ((uint64_t{1} << bits) - 1));
    buffer_ >>= bits;
    filled_ -= bits;
    return code;
  }

 private:
  const uint8_t* in_;
  const uint8_t* end_;
  uint64_t buffer_ = 0;
  int filled_ = 0;
};

// NaN ranks above everything, so the ordering stays strict weak (and a diverged model
// shows as one, rather than being hidden by the selection).
float magnitude(float value) { return std::isnan(value) ? INFINITY : std::abs(value); }

}  // namespace

double sum_of_squares(const float* values, std::size_t length) {
  double sum = 0;
  for (std::size_t i = 0; i < length; ++i) sum += double{values[i]} * values[i];
  return sum;
}

double sum_of_magnitudes(const float* values, std::size_t length) {
  double sum = 0;
  for (std::size_t i = 0; i < length; ++i) sum += std::abs(double{values[i]});
  return sum;
}

void sign_bits(const float* values, std::size_t length, uint8_t* bits) {
  for (std::size_t b = 0; b < (length + 7) / 8; ++b) {
    uint8_t byte = 0;
    const std::size_t end = std::min(length, 8 * b + 8);
    for (std::size_t i = 8 * b; i < end; ++i) byte |= static_cast<uint8_t>((values[i] < 0) << (i - 8 * b));
    bits[b] = byte;
  }
}

void sign_values(const uint8_t* bits, std::size_t length, float scale, float* out) {
  for (std::size_t i = 0; i < length; ++i) out[i] = ((bits[i / 8] >> (i % 8)) & 1) ? -scale : scale;
}

void qsgd_codes(const float* values, std::size_t length, float norm, int levels, int bits, uint64_t seed,
                uint8_t* packed) {
  std::fill(packed, packed + (length * static_cast<std::size_t>(bits) + 7) / 8, uint8_t{0});
  SplitMix64Stream stream(seed);
  const double scale = levels / double{norm};
  const uint32_t sign_bit = 1u << (bits - 1);
  const bool quantise = norm > 0 && std::isfinite(norm);  // a diverged model sends a norm decode refuses
  BitWriter writer(packed);
  for (std::size_t i = 0; i < length; ++i) {
    uint32_t level = 0;
    if (quantise) {
      const double scaled = std::abs(double{values[i]}) * scale;  // in [0, s]
      const double floor = std::floor(scaled);
      level = static_cast<uint32_t>(floor) + (stream.unit() < scaled - floor ? 1 : 0);
      if (level > static_cast<uint32_t>(levels)) level = static_cast<uint32_t>(levels);
    }
    writer.put(level | (std::signbit(values[i]) ? sign_bit : 0), bits);
  }
  writer.flush();
}

bool qsgd_values(const uint8_t* packed, std::size_t length, float norm, int levels, int bits, float* out) {
  const uint32_t sign_bit = 1u << (bits - 1);
  const float step = norm / static_cast<float>(levels);
  BitReader reader(packed, packed + (length * static_cast<std::size_t>(bits) + 7) / 8);
  for (std::size_t i = 0; i < length; ++i) {
    const uint32_t code = reader.get(bits);
    const uint32_t level = code & (sign_bit - 1);
    if (level > static_cast<uint32_t>(levels)) return false;
    const float size = step * static_cast<float>(level);
    out[i] = (code & sign_bit) ? -size : size;
  }
  return true;
}

void top_k_indices(const float* values, std::size_t length, std::size_t k, uint32_t* indices) {
  if (k == 0) return;
  // The k-th largest magnitude, then every index above it and the lowest ones equal to it.
  std::vector<float> order(length);
  for (std::size_t i = 0; i < length; ++i) order[i] = magnitude(values[i]);
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k - 1), order.end(), std::greater<>());
  const float threshold = order[k - 1];
  std::size_t above = 0;
  for (std::size_t i = 0; i < length; ++i) above += magnitude(values[i]) > threshold;
  std::size_t equal_wanted = k - above, chosen = 0;
  for (std::size_t i = 0; i < length; ++i) {
    const float size = magnitude(values[i]);
    if (size > threshold || (size == threshold && equal_wanted > 0 && equal_wanted--)) {
      indices[chosen++] = static_cast<uint32_t>(i);
    }
  }
}

void gather(const float* values, const uint32_t* indices, std::size_t k, float* out) {
  for (std::size_t j = 0; j < k; ++j) std::memcpy(&out[j], &values[indices[j]], 4);
}

void gather_scaled(const float* values, const uint32_t* indices, std::size_t k, float scale, float* out) {
  for (std::size_t j = 0; j < k; ++j) out[j] = values[indices[j]] * scale;
}

void scatter(const float* values, const uint32_t* indices, std::size_t k, std::size_t length, float* out) {
  std::fill(out, out + length, 0.0f);
  for (std::size_t j = 0; j < k; ++j) std::memcpy(&out[indices[j]], &values[j], 4);
}

}  // namespace gossip::cpu
