// QSGD (Alistarh et al. 2017) with s levels: each value becomes sign(x_i) ||x||_2 l_i / s,
// with l_i the level |x_i| / ||x||_2 * s rounded down or up at random so that E C(x) = x.
// omega = min(d / s^2, sqrt(d) / s). A value takes 1 sign bit and ceil(log2(s + 1)) level
// bits: "4-bit QSGD" is s = 7 (`{"kind": "qsgd", "bits": 4}`, or `"levels": 7`).
//
// Wire format (codec kQsgd), exactly 4 + ceil(d * b / 8) bytes with b bits a value: the
// float32 norm, then per value its level (the low b - 1 bits) and its sign (the top bit, 1
// for negative), packed least significant bit first.
#pragma once

#include "algorithms/compressor.h"
#include "common/json_reader.h"

namespace gossip {

class Qsgd final : public Compressor {
 public:
  // Throws std::invalid_argument for levels outside 1..32767.
  explicit Qsgd(int levels);
  // From {"levels": s} or {"bits": b} (s = 2^(b-1) - 1); throws ConfigError naming the field.
  static std::unique_ptr<Compressor> from(const JsonReader& options);

  Codec codec() const override { return Codec::kQsgd; }
  std::size_t max_wire_bytes(std::size_t length) const override { return 4 + (length * bits_ + 7) / 8; }
  std::span<const uint8_t> encode(std::span<const float> values, uint64_t seed,
                                  std::vector<uint8_t>& scratch) const override;
  std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                               FloatBuffer& scratch) const override;
  std::optional<double> variance_factor(std::size_t length) const override;
  int bits_per_value() const { return bits_; }

 private:
  int levels_, bits_;
};

}  // namespace gossip
