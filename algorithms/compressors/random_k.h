// Random-k: k values at indices drawn uniformly without replacement, scaled by d/k so that
// the result is unbiased: E C(x) = x, E||C(x) - x||^2 = (d/k - 1) ||x||^2 (omega = d/k - 1).
// The indices are not sent: they follow from a 64-bit seed in the message, which the
// receiver draws again with the same generator (splitmix64, the same on every machine).
//
// Wire format (codec kRandomK), exactly 8 + 4k bytes: u64 seed, then the k float32
// values x_i * d/k in ascending order of their indices.
#pragma once

#include "algorithms/compressor.h"
#include "algorithms/compressors/sparse_count.h"

namespace gossip {

class RandomK final : public Compressor {
 public:
  explicit RandomK(SparseCount kept) : kept_(kept) {}
  Codec codec() const override { return Codec::kRandomK; }
  std::size_t max_wire_bytes(std::size_t length) const override { return 8 + 4 * kept_.of(length); }
  std::span<const uint8_t> encode(std::span<const float> values, uint64_t seed,
                                  std::vector<uint8_t>& scratch) const override;
  std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                               FloatBuffer& scratch) const override;
  std::optional<double> variance_factor(std::size_t length) const override;

 private:
  SparseCount kept_;
};

// k distinct indices of [0, length), ascending, drawn from `seed` (Floyd's algorithm).
std::vector<uint32_t> random_indices(uint64_t seed, std::size_t k, std::size_t length);

}  // namespace gossip
