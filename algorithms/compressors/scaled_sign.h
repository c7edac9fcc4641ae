// Scaled sign (Karimireddy et al. 2019): ||x||_1 / d * sign(x), one bit a value and the
// scale. Biased, and a contraction: ||C(x) - x||^2 = ||x||^2 - ||x||_1^2 / d. sign(0) is +.
//
// Wire format (codec kScaledSign), exactly 4 + ceil(d / 8) bytes: the float32 scale
// ||x||_1 / d, then one bit per value, least significant bit first, 1 for negative.
#pragma once

#include "algorithms/compressor.h"

namespace gossip {

class ScaledSign final : public Compressor {
 public:
  Codec codec() const override { return Codec::kScaledSign; }
  std::size_t max_wire_bytes(std::size_t length) const override { return 4 + (length + 7) / 8; }
  std::span<const uint8_t> encode(std::span<const float> values, uint64_t seed,
                                  std::vector<uint8_t>& scratch) const override;
  std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                               FloatBuffer& scratch) const override;
  std::optional<double> variance_factor(std::size_t) const override { return std::nullopt; }
};

}  // namespace gossip
