#include "algorithms/compressors/top_k.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gossip {
namespace {

// NaN ranks above everything, so the ordering stays strict weak (and a diverged model
// shows as one, rather than being hidden by the selection).
float magnitude(float value) { return std::isnan(value) ? INFINITY : std::abs(value); }

}  // namespace

std::span<const uint8_t> TopK::encode(std::span<const float> values, uint64_t, std::vector<uint8_t>& scratch) const {
  const std::size_t length = values.size(), k = kept_.of(length);
  // The k-th largest magnitude, then every index above it and the lowest ones equal to it.
  std::vector<uint32_t> chosen;
  chosen.reserve(k);
  if (k > 0) {
    std::vector<float> order(length);
    for (std::size_t i = 0; i < length; ++i) order[i] = magnitude(values[i]);
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k - 1), order.end(), std::greater<>());
    const float threshold = order[k - 1];
    std::size_t above = 0;
    for (float value : values) above += magnitude(value) > threshold;
    std::size_t equal_wanted = k - above;
    for (std::size_t i = 0; i < length; ++i) {
      const float size = magnitude(values[i]);
      if (size > threshold || (size == threshold && equal_wanted > 0 && equal_wanted--)) {
        chosen.push_back(static_cast<uint32_t>(i));
      }
    }
  }
  scratch.resize(8 * k);
  for (std::size_t j = 0; j < k; ++j) {
    std::memcpy(scratch.data() + 4 * j, &chosen[j], 4);
    std::memcpy(scratch.data() + 4 * (k + j), &values[chosen[j]], 4);
  }
  return scratch;
}

std::optional<std::span<const float>> TopK::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                   FloatBuffer& scratch) const {
  const std::size_t k = kept_.of(length);
  if (bytes.size() != wire_bytes(length)) return std::nullopt;
  scratch.assign(length, 0.0f);
  int64_t previous = -1;
  for (std::size_t j = 0; j < k; ++j) {
    uint32_t index;
    float value;
    std::memcpy(&index, bytes.data() + 4 * j, 4);
    std::memcpy(&value, bytes.data() + 4 * (k + j), 4);
    if (index >= length || static_cast<int64_t>(index) <= previous) return std::nullopt;
    previous = index;
    scratch[index] = value;
  }
  return std::span<const float>(scratch.data(), length);
}

}  // namespace gossip
