// Top-k: the k values of largest magnitude, as (index, value) pairs; the rest read as 0.
// Biased, and a contraction: ||C(x) - x||^2 <= (1 - k/d) ||x||^2, equality when every
// value has the same magnitude.
//
// Wire format (codec kTopK), exactly 8k bytes: k u32 indices, strictly ascending, then the
// k float32 values in the same order. Ties in magnitude go to the lower index.
#pragma once

#include "algorithms/compressor.h"
#include "algorithms/compressors/sparse_count.h"

namespace gossip {

class TopK final : public Compressor {
 public:
  explicit TopK(SparseCount kept) : kept_(kept) {}
  Codec codec() const override { return Codec::kTopK; }
  std::size_t wire_bytes(std::size_t length) const override { return 8 * kept_.of(length); }
  std::span<const uint8_t> encode(std::span<const float> values, uint64_t seed,
                                  std::vector<uint8_t>& scratch) const override;
  std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                               FloatBuffer& scratch) const override;
  std::optional<double> variance_factor(std::size_t) const override { return std::nullopt; }

 private:
  SparseCount kept_;
};

}  // namespace gossip
