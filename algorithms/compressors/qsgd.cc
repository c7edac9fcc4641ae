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
  const float norm = static_cast<float>(std::sqrt(cpu::sum_of_squares(values.data(), values.size())));
  scratch.assign(max_wire_bytes(values.size()), 0);
  std::memcpy(scratch.data(), &norm, 4);
  cpu::qsgd_codes(values.data(), values.size(), norm, levels_, bits_, seed, scratch.data() + 4);
  return scratch;
}

std::optional<std::span<const float>> Qsgd::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                   FloatBuffer& scratch) const {
  if (bytes.size() != max_wire_bytes(length)) return std::nullopt;
  float norm;
  std::memcpy(&norm, bytes.data(), 4);
  if (!std::isfinite(norm) || norm < 0) return std::nullopt;
  scratch.resize(length);
  if (!cpu::qsgd_values(bytes.data() + 4, length, norm, levels_, bits_, scratch.data())) return std::nullopt;
  return std::span<const float>(scratch.data(), length);
}

std::optional<double> Qsgd::variance_factor(std::size_t length) const {
  const double d = static_cast<double>(length), s = levels_;
  return std::min(d / (s * s), std::sqrt(d) / s);
}

}  // namespace gossip
