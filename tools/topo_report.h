// What `gossip topo show` and `gossip topo compare` print.
#pragma once

#include <nlohmann/json.hpp>  // --json output
#include <string>
#include <vector>

#include "topology/topology_file.h"

namespace gossip::tools {

// Everything `topo show --json` prints: peers with neighbours, weights, spectral gap.
nlohmann::json describe_topology(const LoadedTopology& loaded);
// The same as text for a person, abridged when large.
std::string format_topology(const LoadedTopology& loaded, const std::string& path);

// One row per built-in graph and size: degree, spectral gap, rounds to 1e-3 consensus.
std::string compare_topologies(const std::vector<int>& sizes);

}  // namespace gossip::tools
