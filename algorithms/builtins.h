// The update rules, aggregators, compressors and attacks that come with gossip (registry.h).
#pragma once

#include <map>
#include <string>

#include "algorithms/registry.h"

namespace gossip {

void register_builtins(std::map<std::string, AlgorithmFactory>& algorithms,
                       std::map<std::string, AggregatorFactory>& aggregators,
                       std::map<std::string, CompressorFactory>& compressors,
                       std::map<std::string, AttackFactory>& attacks);

}  // namespace gossip
