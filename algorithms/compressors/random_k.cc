#include "algorithms/compressors/random_k.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "common/splitmix64.h"
#include "kernels/compression.h"

namespace gossip {

std::vector<uint32_t> random_indices(uint64_t seed, std::size_t k, std::size_t length) {
  SplitMix64Stream stream(seed);
  std::unordered_set<uint32_t> taken;
  taken.reserve(2 * k);
  std::vector<uint32_t> indices;
  indices.reserve(k);
  // Floyd: for j = d-k .. d-1 draw t in [0, j]; take t, or j when t is taken. Uniform over
  // k-subsets with k draws.
  for (std::size_t j = length - k; j < length; ++j) {
    auto pick = static_cast<uint32_t>(stream.below(j + 1));
    if (!taken.insert(pick).second) {
      pick = static_cast<uint32_t>(j);
      taken.insert(pick);
    }
    indices.push_back(pick);
  }
  std::sort(indices.begin(), indices.end());
  return indices;
}

std::span<const uint8_t> RandomK::encode(std::span<const float> values, uint64_t seed,
                                         std::vector<uint8_t>& scratch) const {
  const std::size_t length = values.size(), k = kept_.of(length);
  const float scale = k > 0 ? static_cast<float>(static_cast<double>(length) / static_cast<double>(k)) : 0.0f;
  scratch.resize(max_wire_bytes(length));
  std::memcpy(scratch.data(), &seed, 8);
  const std::vector<uint32_t> indices = random_indices(seed, k, length);
  std::vector<float> kept(k);
  cpu::gather_scaled(values.data(), indices.data(), k, scale, kept.data());
  if (k > 0) std::memcpy(scratch.data() + 8, kept.data(), 4 * k);
  return scratch;
}

std::optional<std::span<const float>> RandomK::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                      FloatBuffer& scratch) const {
  if (bytes.size() != max_wire_bytes(length)) return std::nullopt;
  uint64_t seed;
  std::memcpy(&seed, bytes.data(), 8);
  const std::vector<uint32_t> indices = random_indices(seed, kept_.of(length), length);
  std::vector<float> kept(indices.size());
  if (!kept.empty()) std::memcpy(kept.data(), bytes.data() + 8, 4 * kept.size());
  scratch.resize(length);
  cpu::scatter(kept.data(), indices.data(), kept.size(), length, scratch.data());
  return std::span<const float>(scratch.data(), length);
}

std::optional<double> RandomK::variance_factor(std::size_t length) const {
  const std::size_t k = kept_.of(length);
  return k > 0 ? static_cast<double>(length) / static_cast<double>(k) - 1.0 : 0.0;
}

}  // namespace gossip
