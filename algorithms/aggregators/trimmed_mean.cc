#include "algorithms/aggregators/trimmed_mean.h"

#include <string>

#include "common/config_error.h"

namespace gossip {

void check_trim(int f, std::size_t neighbourhood_size) {
  if (2 * static_cast<std::size_t>(f) >= neighbourhood_size) {
    throw ConfigError("training.aggregator.f: the trimmed mean drops the " + std::to_string(f) + " largest and " +
                      std::to_string(f) + " smallest of each coordinate, which leaves nothing of a peer's " +
                      std::to_string(neighbourhood_size) + " vectors (itself and " +
                      std::to_string(neighbourhood_size - 1) + " in-neighbours): f must be below " +
                      std::to_string((neighbourhood_size + 1) / 2));
  }
}

}  // namespace gossip
