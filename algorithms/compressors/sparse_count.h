// How many values a sparsifying compressor (top-k, random-k) keeps of d: a fraction of d
// (at least one) or a fixed count (at most d). From `{"fraction": 0.01}` or `{"count": 100}`.
#pragma once

#include <cstddef>

#include "common/json_reader.h"

namespace gossip {

struct SparseCount {
  double fraction = 0;    // used when count is 0
  std::size_t count = 0;

  std::size_t of(std::size_t length) const;
  // Throws ConfigError naming the field: neither or both given, or out of range.
  static SparseCount from(const JsonReader& options);
};

}  // namespace gossip
