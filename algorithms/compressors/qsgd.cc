#include "algorithms/compressors/qsgd.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "kernels/compression.h"

namespace gossip {
namespace {

constexpr int kMaxLevels = 32767;

}  // namespace

QsgdFormat::QsgdFormat(int levels) : levels_(levels) {
  if (levels < 1 || levels > kMaxLevels) {
    throw std::invalid_argument("qsgd: levels must be in 1.." + std::to_string(kMaxLevels) + ", got " +
                                std::to_string(levels));
  }
  int level_bits = 0;
  while ((1 << level_bits) < levels + 1) ++level_bits;
  bits_ = 1 + level_bits;
}

int QsgdFormat::levels_of(const JsonReader& options) {
  if (options.has("levels") == options.has("bits")) {
    options.fail("levels", "give one of levels (s, 1.." + std::to_string(kMaxLevels) + ") and bits (per value, 2..16)");
  }
  if (options.has("bits")) return (1 << (options.integer_or("bits", 4, 2, 16) - 1)) - 1;
  return static_cast<int>(options.integer_or("levels", 7, 1, kMaxLevels));
}

std::optional<std::span<const float>> QsgdFormat::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                         FloatBuffer& scratch) const {
  if (bytes.size() != max_wire_bytes(length)) return std::nullopt;
  float norm;
  std::memcpy(&norm, bytes.data(), 4);
  if (!std::isfinite(norm) || norm < 0) return std::nullopt;
  scratch.resize(length);
  if (!cpu::qsgd_values(bytes.data() + 4, length, norm, levels_, bits_, scratch.data())) return std::nullopt;
  return std::span<const float>(scratch.data(), length);
}

std::optional<double> QsgdFormat::variance_factor(std::size_t length) const {
  const double d = static_cast<double>(length), s = levels_;
  return std::min(d / (s * s), std::sqrt(d) / s);
}

}  // namespace gossip
