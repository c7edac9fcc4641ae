#include "algorithms/compressors/qsgd.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/splitmix64.h"

namespace gossip {
namespace {

constexpr int kMaxLevels = 32767;

// A stream of b-bit codes, least significant bit first.
void put_bits(std::vector<uint8_t>& out, std::size_t& bit, uint32_t code, int bits) {
  for (int b = 0; b < bits; ++b, ++bit) {
    if ((code >> b) & 1) out[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
  }
}

uint32_t get_bits(std::span<const uint8_t> in, std::size_t& bit, int bits) {
  uint32_t code = 0;
  for (int b = 0; b < bits; ++b, ++bit) code |= static_cast<uint32_t>((in[bit / 8] >> (bit % 8)) & 1) << b;
  return code;
}

}  // namespace

Qsgd::Qsgd(int levels) : levels_(levels) {
  if (levels < 1 || levels > kMaxLevels) {
    throw std::invalid_argument("qsgd: levels must be in 1.." + std::to_string(kMaxLevels) + ", got " +
                                std::to_string(levels));
  }
  int level_bits = 0;
  while ((1 << level_bits) < levels + 1) ++level_bits;
  bits_ = 1 + level_bits;
}

std::unique_ptr<Compressor> Qsgd::from(const JsonReader& options) {
  if (options.has("levels") == options.has("bits")) {
    options.fail("levels", "give one of levels (s, 1.." + std::to_string(kMaxLevels) + ") and bits (per value, 2..16)");
  }
  if (options.has("bits")) return std::make_unique<Qsgd>((1 << (options.integer_or("bits", 4, 2, 16) - 1)) - 1);
  return std::make_unique<Qsgd>(static_cast<int>(options.integer_or("levels", 7, 1, kMaxLevels)));
}

std::span<const uint8_t> Qsgd::encode(std::span<const float> values, uint64_t seed, std::vector<uint8_t>& scratch) const {
  double sum = 0;
  for (float value : values) sum += double{value} * value;
  const float norm = static_cast<float>(std::sqrt(sum));
  scratch.assign(wire_bytes(values.size()), 0);
  std::memcpy(scratch.data(), &norm, 4);
  SplitMix64Stream stream(seed);
  const uint32_t sign_bit = 1u << (bits_ - 1);
  std::size_t bit = 32;
  for (float value : values) {
    uint32_t level = 0;
    if (norm > 0 && std::isfinite(norm)) {  // a diverged model sends a norm decode refuses
      const double scaled = std::abs(double{value}) / norm * levels_;  // in [0, s]
      const double floor = std::floor(scaled);
      level = static_cast<uint32_t>(floor) + (stream.unit() < scaled - floor ? 1 : 0);
      if (level > static_cast<uint32_t>(levels_)) level = static_cast<uint32_t>(levels_);
    }
    put_bits(scratch, bit, level | (std::signbit(value) ? sign_bit : 0), bits_);
  }
  return scratch;
}

std::optional<std::span<const float>> Qsgd::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                   FloatBuffer& scratch) const {
  if (bytes.size() != wire_bytes(length)) return std::nullopt;
  float norm;
  std::memcpy(&norm, bytes.data(), 4);
  if (!std::isfinite(norm) || norm < 0) return std::nullopt;
  scratch.resize(length);
  const uint32_t sign_bit = 1u << (bits_ - 1);
  const float step = norm / static_cast<float>(levels_);
  std::size_t bit = 32;
  for (std::size_t i = 0; i < length; ++i) {
    const uint32_t code = get_bits(bytes, bit, bits_);
    const uint32_t level = code & (sign_bit - 1);
    if (level > static_cast<uint32_t>(levels_)) return std::nullopt;
    const float magnitude = step * static_cast<float>(level);
    scratch[i] = (code & sign_bit) ? -magnitude : magnitude;
  }
  return std::span<const float>(scratch.data(), length);
}

std::optional<double> Qsgd::variance_factor(std::size_t length) const {
  const double d = static_cast<double>(length), s = levels_;
  return std::min(d / (s * s), std::sqrt(d) / s);
}

}  // namespace gossip
