// splitmix64 (Steele, Lea and Flood 2014): a stateless 64-bit mixing step, for randomness
// that is a function of a counter or an id (sketch signs, per-message seeds), so drawing
// one value needs no state from the one before; and a stream of it, for draws that must be
// the same on every machine (std's distributions are not: each library has its own).
#pragma once

#include <cstdint>

// Callable from CUDA kernels too (kernels/cuda/compression.cu draws QSGD's roundings with it).
#if defined(__CUDACC__)
#define GOSSIP_HOST_DEVICE __host__ __device__
#else
#define GOSSIP_HOST_DEVICE
#endif

namespace gossip {

GOSSIP_HOST_DEVICE constexpr uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class SplitMix64Stream {
 public:
  explicit SplitMix64Stream(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    const uint64_t value = splitmix64(state_);
    state_ += kStep;
    return value;
  }
  // Draw i of a stream started at `seed` is splitmix64(seed + i * kStep): any draw can be
  // made on its own (one GPU thread per value).
  static constexpr uint64_t kStep = 0x9e3779b97f4a7c15ULL;
  // Uniform in [0, bound), by multiply-shift (Lemire 2019); the bias, under bound / 2^64,
  // is far below anything a model of fewer than 2^32 values could show.
  uint64_t below(uint64_t bound) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64); }
  // Uniform in [0, 1), on the 2^-24 grid a float holds exactly.
  float unit() { return static_cast<float>(next() >> 40) * 0x1p-24f; }

 private:
  uint64_t state_;
};

}  // namespace gossip
