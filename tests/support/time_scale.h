// How much slower than a plain build this one runs, from $GOSSIP_TEST_TIME_SCALE (default 1):
// tests whose processes keep to a wall-clock schedule stretch it by this factor, so that a
// sanitizer build (several times slower) tests the same behaviour rather than its speed.
#pragma once

#include <cstdlib>
#include <string>

namespace gossip::testing {

inline double time_scale() {
  const char* value = std::getenv("GOSSIP_TEST_TIME_SCALE");
  const double scale = value ? std::atof(value) : 1.0;
  return scale >= 1.0 ? scale : 1.0;
}

}  // namespace gossip::testing
