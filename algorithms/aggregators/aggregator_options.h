// The options the robust aggregators share, read one way for all of them.
#pragma once

#include "common/json_reader.h"

namespace gossip {

// `f`: how many arbitrary (Byzantine) neighbours the aggregator is to withstand.
int aggregator_f(const JsonReader& options);

}  // namespace gossip
