#include "algorithms/aggregators/aggregator_options.h"

namespace gossip {

int aggregator_f(const JsonReader& options) { return static_cast<int>(options.integer("f", 0, 1 << 20)); }

}  // namespace gossip
