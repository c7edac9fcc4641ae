// Standard-normal test data from the caller's engine, so a test's numbers follow its seed.
#pragma once

#include <cstddef>
#include <random>
#include <vector>

namespace gossip::testing {

template <typename Engine>
std::vector<float> random_normal(std::size_t length, Engine& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> values(length);
  for (auto& value : values) value = normal(rng);
  return values;
}

}  // namespace gossip::testing
