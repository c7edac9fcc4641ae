// splitmix64 (Steele, Lea and Flood 2014): a stateless 64-bit mixing step, for randomness
// that is a function of a counter or an id (sketch signs, per-message seeds), so drawing
// one value needs no state from the one before.
#pragma once

#include <cstdint>

namespace gossip {

constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace gossip
