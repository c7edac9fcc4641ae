#include "algorithms/compressors/scaled_sign.h"

#include <cmath>
#include <cstring>

#include "kernels/compression.h"

namespace gossip {

std::span<const uint8_t> ScaledSign::encode(std::span<const float> values, uint64_t,
                                            std::vector<uint8_t>& scratch) const {
  const double sum = cpu::sum_of_magnitudes(values.data(), values.size());
  const float scale = values.empty() ? 0.0f : static_cast<float>(sum / static_cast<double>(values.size()));
  scratch.assign(max_wire_bytes(values.size()), 0);
  std::memcpy(scratch.data(), &scale, 4);
  cpu::sign_bits(values.data(), values.size(), scratch.data() + 4);
  return scratch;
}

std::optional<std::span<const float>> ScaledSign::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                         FloatBuffer& scratch) const {
  if (bytes.size() != max_wire_bytes(length)) return std::nullopt;
  float scale;
  std::memcpy(&scale, bytes.data(), 4);
  if (!std::isfinite(scale) || scale < 0) return std::nullopt;
  scratch.resize(length);
  cpu::sign_values(bytes.data() + 4, length, scale, scratch.data());
  return std::span<const float>(scratch.data(), length);
}

}  // namespace gossip
