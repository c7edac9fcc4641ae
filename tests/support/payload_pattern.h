// The known bytes peer `sender` sends in `round`, so a receiver can check them bit-exactly.
#pragma once

#include <cstdint>
#include <vector>

namespace gossip::testing {

inline void fill_pattern(std::vector<uint8_t>& bytes, int sender, int64_t round) {
  uint64_t state = 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(sender + 1) ^ static_cast<uint64_t>(round) * 0xbf58476d1ce4e5b9ULL;
  for (auto& byte : bytes) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    byte = static_cast<uint8_t>(state);
  }
}

inline bool matches_pattern(const uint8_t* data, size_t size, int sender, int64_t round) {
  std::vector<uint8_t> expected(size);
  fill_pattern(expected, sender, round);
  for (size_t i = 0; i < size; ++i) {
    if (data[i] != expected[i]) return false;
  }
  return true;
}

}  // namespace gossip::testing
