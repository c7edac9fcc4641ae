#include "algorithms/compressors/scaled_sign.h"

#include <cmath>
#include <cstring>

namespace gossip {

std::span<const uint8_t> ScaledSign::encode(std::span<const float> values, uint64_t,
                                            std::vector<uint8_t>& scratch) const {
  double sum = 0;
  for (float value : values) sum += std::abs(double{value});
  const float scale = values.empty() ? 0.0f : static_cast<float>(sum / static_cast<double>(values.size()));
  scratch.assign(max_wire_bytes(values.size()), 0);
  std::memcpy(scratch.data(), &scale, 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] < 0) scratch[4 + i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
  return scratch;
}

std::optional<std::span<const float>> ScaledSign::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                         FloatBuffer& scratch) const {
  if (bytes.size() != max_wire_bytes(length)) return std::nullopt;
  float scale;
  std::memcpy(&scale, bytes.data(), 4);
  if (!std::isfinite(scale) || scale < 0) return std::nullopt;
  scratch.resize(length);
  for (std::size_t i = 0; i < length; ++i) scratch[i] = ((bytes[4 + i / 8] >> (i % 8)) & 1) ? -scale : scale;
  return std::span<const float>(scratch.data(), length);
}

}  // namespace gossip
