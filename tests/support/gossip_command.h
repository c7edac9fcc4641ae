// Running the `gossip` binary as a user does, for tests of whole runs: topology files on
// free loopback ports, the command with a log, and the run directory read back.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/child_process.h"
#include "support/free_ports.h"
#include "support/temp_dir.h"

namespace gossip::testing {

// A topology file of `peers` on loopback, with this graph and these training settings.
inline std::string write_topology(const TempDir& dir, int peers, const nlohmann::json& training,
                                  const nlohmann::json& graph = {{"kind", "ring"}}, const std::string& name = "topology.json") {
  nlohmann::json file{{"version", 1}, {"seed", 11}, {"graph", graph}, {"training", training}};
  auto ports = free_ports(peers);
  for (int id = 0; id < peers; ++id) file["peers"].push_back({{"id", id}, {"host", "127.0.0.1"}, {"port", ports[id]}});
  return dir.write(name, file.dump(2));
}

inline ChildProcess start_gossip(const std::vector<std::string>& arguments, const std::string& log) {
  std::vector<std::string> argv{GOSSIP_BINARY};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  return ChildProcess(argv, log, log);
}

inline int run_gossip_command(const std::vector<std::string>& arguments, const std::string& log,
                              std::chrono::seconds limit = std::chrono::seconds(120)) {
  return start_gossip(arguments, log).wait(limit);
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace gossip::testing
