// libFuzzer target for the topology-file loader: a file is the one input a peer takes from
// whoever gave it the file. Any bytes must end as a loaded topology or a ConfigError naming
// the problem: never a crash, a hang, a stack overflow (deep nesting) or another exception.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/config_error.h"
#include "common/json_parse.h"
#include "topology/topology_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const nlohmann::json document = gossip::parse_json(text, "fuzz.json");
    gossip::TopologyFile file = gossip::parse_topology_file(document);
    gossip::build_topology(file);
  } catch (const gossip::ConfigError&) {
    // refused with a message: what should happen to bad input
  } catch (const std::exception& error) {
    std::fprintf(stderr, "topology_fuzz: not a ConfigError: %s\n", error.what());
    std::abort();
  }
  return 0;
}
