// Top-k: the k values of largest magnitude, as (index, value) pairs; the rest read as 0.
// Biased, and a contraction: ||C(x) - x||^2 <= (1 - k/d) ||x||^2, equality when every
// value has the same magnitude. Ties in magnitude go to the lower index.
//
// Wire format (codec kTopK): the k indices, ascending, as gaps (the first index, then each
// one minus the one before minus 1) in LEB128 varints (7 bits a byte, low bits first, the
// top bit set on all but a varint's last byte), then the k values as float32. A gap below
// 128 takes one byte, so top-1% of a large model costs about 5.3 bytes a value instead of 8;
// the size varies with where the values are, at most k (varint bytes of d) + 4k.
#pragma once

#include "algorithms/compressor.h"
#include "algorithms/compressors/sparse_count.h"

namespace gossip {

class TopK final : public Compressor {
 public:
  explicit TopK(SparseCount kept) : kept_(kept) {}
  Codec codec() const override { return Codec::kTopK; }
  std::size_t max_wire_bytes(std::size_t length) const override;
  std::span<const uint8_t> encode(std::span<const float> values, uint64_t seed,
                                  std::vector<uint8_t>& scratch) const override;
  std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                               FloatBuffer& scratch) const override;
  std::optional<double> variance_factor(std::size_t) const override { return std::nullopt; }

 private:
  SparseCount kept_;
};

}  // namespace gossip
