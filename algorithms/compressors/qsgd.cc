#include "algorithms/compressors/qsgd.h"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/splitmix64.h"

namespace gossip {
namespace {

constexpr int kMaxLevels = 32767;

// A stream of b-bit codes, least significant bit first, through a 64-bit accumulator.
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
  BitReader(const uint8_t* in, const uint8_t* end) : in_(in), end_(end) {}
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
  scratch.assign(max_wire_bytes(values.size()), 0);
  std::memcpy(scratch.data(), &norm, 4);
  SplitMix64Stream stream(seed);
  const double scale = levels_ / double{norm};
  const uint32_t sign_bit = 1u << (bits_ - 1);
  BitWriter writer(scratch.data() + 4);
  for (float value : values) {
    uint32_t level = 0;
    if (norm > 0 && std::isfinite(norm)) {  // a diverged model sends a norm decode refuses
      const double scaled = std::abs(double{value}) * scale;  // in [0, s]
      const double floor = std::floor(scaled);
      level = static_cast<uint32_t>(floor) + (stream.unit() < scaled - floor ? 1 : 0);
      if (level > static_cast<uint32_t>(levels_)) level = static_cast<uint32_t>(levels_);
    }
    writer.put(level | (std::signbit(value) ? sign_bit : 0), bits_);
  }
  writer.flush();
  return scratch;
}

std::optional<std::span<const float>> Qsgd::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                   FloatBuffer& scratch) const {
  if (bytes.size() != max_wire_bytes(length)) return std::nullopt;
  float norm;
  std::memcpy(&norm, bytes.data(), 4);
  if (!std::isfinite(norm) || norm < 0) return std::nullopt;
  scratch.resize(length);
  const uint32_t sign_bit = 1u << (bits_ - 1);
  const float step = norm / static_cast<float>(levels_);
  BitReader reader(bytes.data() + 4, bytes.data() + bytes.size());
  for (std::size_t i = 0; i < length; ++i) {
    const uint32_t code = reader.get(bits_);
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
