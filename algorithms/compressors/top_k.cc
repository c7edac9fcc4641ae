#include "algorithms/compressors/top_k.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/compression.h"

namespace gossip {
namespace {

std::size_t varint_bytes(uint64_t value) {
  std::size_t bytes = 1;
  while (value >= 128) {
    value >>= 7;
    ++bytes;
  }
  return bytes;
}

void put_varint(std::vector<uint8_t>& out, uint64_t value) {
  while (value >= 128) {
    out.push_back(static_cast<uint8_t>(value | 128));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

// Reads one varint at `offset` of at most 5 bytes (a u32's); nothing when it runs past the
// end or is longer.
std::optional<uint64_t> get_varint(std::span<const uint8_t> in, std::size_t& offset) {
  uint64_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (offset >= in.size()) return std::nullopt;
    const uint8_t byte = in[offset++];
    value |= static_cast<uint64_t>(byte & 127) << shift;
    if (!(byte & 128)) return value;
  }
  return std::nullopt;
}

}  // namespace

std::size_t TopKFormat::max_wire_bytes(std::size_t length) const {
  const std::size_t k = kept_.of(length);
  return k * (varint_bytes(length) + 4);
}

std::span<const uint8_t> TopKFormat::write(std::span<const uint32_t> indices, std::span<const float> values,
                                           std::vector<uint8_t>& scratch) {
  const std::size_t k = indices.size();
  scratch.clear();
  for (std::size_t j = 0; j < k; ++j) put_varint(scratch, j == 0 ? indices[0] : indices[j] - indices[j - 1] - 1);
  const std::size_t values_at = scratch.size();
  scratch.resize(values_at + 4 * k);
  if (k > 0) std::memcpy(scratch.data() + values_at, values.data(), 4 * k);
  return scratch;
}

std::optional<std::span<const float>> TopKFormat::decode(std::span<const uint8_t> bytes, std::size_t length,
                                                         FloatBuffer& scratch) const {
  const std::size_t k = kept_.of(length);
  if (bytes.size() > max_wire_bytes(length) || bytes.size() < 5 * k) return std::nullopt;
  std::vector<uint32_t> indices(k);
  std::size_t offset = 0;
  uint64_t next = 0;  // the lowest index the next gap may give
  for (std::size_t j = 0; j < k; ++j) {
    const auto gap = get_varint(bytes, offset);
    if (!gap || *gap >= length || next + *gap >= length) return std::nullopt;
    indices[j] = static_cast<uint32_t>(next + *gap);
    next = indices[j] + uint64_t{1};
  }
  if (bytes.size() - offset != 4 * k) return std::nullopt;
  std::vector<float> kept(k);
  if (k > 0) std::memcpy(kept.data(), bytes.data() + offset, 4 * k);
  scratch.resize(length);
  cpu::scatter(kept.data(), indices.data(), k, length, scratch.data());
  return std::span<const float>(scratch.data(), length);
}

}  // namespace gossip
