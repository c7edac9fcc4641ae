// The Compressor seam: a lossy (or lossless) encoding of a vector of floats into the bytes
// of one message, with its exact size on the wire. Its codec id travels in every message
// header, so a receiver never guesses the format: a payload whose codec or size does not
// match is rejected like a missing message, never decoded as something else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "kernels/float_buffer.h"

namespace gossip {

// Codec ids, as on the wire: never renumber, only add.
enum class Codec : uint8_t {
  kRawFloat32 = 0,  // identity: the values as little-endian IEEE float32
  kTopK = 1,        // top_k: the k largest magnitudes, indices and values
  kRandomK = 2,     // random_k: k values at indices drawn from a seed in the message
  kQsgd = 3,        // qsgd: the norm, then sign and level of every value, stochastically rounded
  kScaledSign = 4,  // sign: ||v||_1 / d, then one sign bit per value
};

class Compressor {
 public:
  virtual ~Compressor() = default;
  virtual Codec codec() const = 0;
  // The most bytes encode() produces for `length` values (what the transport carries
  // before its framing): exactly that many for every encoding but top-k's, whose index
  // gaps take a varying number of bytes.
  virtual std::size_t max_wire_bytes(std::size_t length) const = 0;
  // Encodes `values`. The result is a view of `values` itself where the encoding is the
  // raw floats, else of `scratch`; it stays valid while both do. `seed` is this message's
  // randomness (the caller derives it from the run seed, round, sender and kind, so that a
  // resumed run draws the same).
  virtual std::span<const uint8_t> encode(std::span<const float> values, uint64_t seed,
                                          std::vector<uint8_t>& scratch) const = 0;
  // Decodes a neighbour's bytes (untrusted) into `length` values: a view of `bytes` where
  // they are the raw floats and suitably aligned, else of `scratch`. Nothing when the bytes
  // are not a valid encoding of `length` values.
  virtual std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                                       FloatBuffer& scratch) const = 0;
  // For an unbiased compressor (E C(x) = x), omega with E||C(x) - x||^2 <= omega ||x||^2 for
  // vectors of `length` values; nothing for a biased one (top-k, sign).
  virtual std::optional<double> variance_factor(std::size_t length) const = 0;
};

// The factor that makes a compressor's output a contraction, E||s C(x) - x||^2 < ||x||^2, as
// CHOCO's analysis needs: 1 / (1 + omega) for an unbiased compressor, 1 for the biased
// ones, which are contractions already.
inline double contraction_scale(const Compressor& compressor, std::size_t length) {
  const auto omega = compressor.variance_factor(length);
  return omega ? 1.0 / (1.0 + *omega) : 1.0;
}

}  // namespace gossip
