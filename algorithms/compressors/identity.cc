#include "algorithms/compressors/identity.h"

#include <cstring>

namespace gossip {

static_assert(sizeof(float) == 4, "models travel as IEEE float32");

std::span<const uint8_t> IdentityCompressor::encode(std::span<const float> values, uint64_t,
                                                    std::vector<uint8_t>&) const {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()};
}

std::optional<std::span<const float>> IdentityCompressor::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                                 FloatBuffer& scratch) const {
  if (bytes.size() != max_wire_bytes(length)) return std::nullopt;
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(float) == 0) {
    return std::span<const float>(reinterpret_cast<const float*>(bytes.data()), length);
  }
  scratch.resize(length);
  if (length > 0) std::memcpy(scratch.data(), bytes.data(), bytes.size());
  return std::span<const float>(scratch.data(), length);
}

}  // namespace gossip
