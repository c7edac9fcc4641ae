#include "kernels/sketch.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/splitmix64.h"

namespace gossip::cpu {

// One hash gives the signs of 64 rows; the float partial sums are flushed into double every
// 4096 columns, so long models keep double accuracy at float speed.
std::vector<double> sketch(const float* model, std::size_t length, int rows, uint64_t seed) {
  std::vector<double> result(static_cast<size_t>(rows), 0.0);
  const int groups = (rows + 63) / 64;
  const uint64_t key = splitmix64(seed ^ 0x736b65746368ULL);
  std::vector<float> partial(static_cast<size_t>(groups) * 64);
  for (size_t column = 0; column < length; ++column) {
    const float value = model[column];
    for (int group = 0; group < groups; ++group) {
      const uint64_t signs = splitmix64(key ^ splitmix64(column * static_cast<uint64_t>(groups) + static_cast<uint64_t>(group)));
      float* out = partial.data() + group * 64;
      // +value where the bit is set, -value where not: the sign bit flipped by a mask, which
      // the compiler turns into vector code (a branch per row it would not).
      uint32_t magnitude;
      std::memcpy(&magnitude, &value, 4);
      for (int bit = 0; bit < 64; ++bit) {
        const uint32_t flipped = magnitude ^ (static_cast<uint32_t>(~(signs >> bit) & 1) << 31);
        float term;
        std::memcpy(&term, &flipped, 4);
        out[bit] += term;
      }
    }
    if ((column & 4095) == 4095 || column + 1 == length) {
      for (int row = 0; row < rows; ++row) result[static_cast<size_t>(row)] += partial[static_cast<size_t>(row)];
      std::fill(partial.begin(), partial.end(), 0.0f);
    }
  }
  const double scale = rows > 0 ? 1.0 / std::sqrt(static_cast<double>(rows)) : 0.0;
  for (auto& value : result) value *= scale;
  return result;
}

}  // namespace gossip::cpu
