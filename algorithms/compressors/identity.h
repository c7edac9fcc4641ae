// The identity compressor: the values as raw little-endian float32, 4 bytes each. Sending
// and receiving copy nothing: the bytes are the model's own memory on the way out and the
// inbox's buffer on the way in.
#pragma once

#include "algorithms/compressor.h"

namespace gossip {

class IdentityCompressor final : public Compressor {
 public:
  Codec codec() const override { return Codec::kRawFloat32; }
  std::size_t max_wire_bytes(std::size_t length) const override { return length * sizeof(float); }
  std::span<const uint8_t> encode(std::span<const float> values, uint64_t seed,
                                  std::vector<uint8_t>& scratch) const override;
  std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                               FloatBuffer& scratch) const override;
  std::optional<double> variance_factor(std::size_t) const override { return 0.0; }
};

}  // namespace gossip
