#include "algorithms/compressors/sparse_count.h"

#include <algorithm>
#include <cmath>

namespace gossip {

std::size_t SparseCount::of(std::size_t length) const {
  if (length == 0) return 0;
  if (count > 0) return std::min(count, length);
  const auto kept = static_cast<std::size_t>(std::llround(fraction * static_cast<double>(length)));
  return std::clamp<std::size_t>(kept, 1, length);
}

SparseCount SparseCount::from(const JsonReader& options) {
  const bool by_fraction = options.has("fraction"), by_count = options.has("count");
  if (by_fraction == by_count) {
    options.fail("fraction", "give one of fraction (of the values kept, in (0, 1]) and count (values kept)");
  }
  SparseCount kept;
  if (by_fraction) {
    kept.fraction = options.number_or("fraction", 0, 0, 1);
    if (kept.fraction <= 0) options.fail("fraction", "must be above 0");
  } else {
    kept.count = static_cast<std::size_t>(options.integer_or("count", 1, 1, int64_t{1} << 40));
  }
  return kept;
}

}  // namespace gossip
