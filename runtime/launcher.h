// `gossip launch`: starts every peer of a topology file whose host is this machine as a
// child process (`gossip peer`), shows the run's progress from the peers' metrics files,
// forwards Ctrl-C, names a failed peer with its exit status and log, and writes
// summary.json when all are done. The peers talk over TCP exactly as across VMs: the
// launcher only starts processes and reads files, it is never in the data path.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>  // setting overrides
#include <optional>
#include <string>
#include <vector>

#include "topology/topology_file.h"

namespace gossip {

struct LaunchOptions {
  std::string topology_path;       // may be empty with resume (RUN/topology.json is used) or with graph
  std::optional<GenerateOptions> graph;  // a built-in graph on this host, instead of a file
  std::filesystem::path run_dir;   // empty: runs/<file stem>-<date>-<time>
  nlohmann::json overrides = nlohmann::json::object();
  bool resume = false;             // continue RUN from the newest checkpoint every local peer has
  bool plaintext = false;
  std::string device;              // every local peer's device, written into RUN/topology.json ("cpu", "cuda", "cuda:N"); empty: the file's
  std::filesystem::path gossip_binary = "/proc/self/exe";
  // A training script to run as each local peer instead of `gossip peer` (`launch FILE --
  // python3 train.py`): it finds its peer through GOSSIP_TOPOLOGY, GOSSIP_PEER_ID, GOSSIP_KEY,
  // GOSSIP_RUN_DIR and GOSSIP_PLAINTEXT (the Python gossip.Peer reads them).
  std::vector<std::string> program;
  double progress_interval_seconds = 1.0;
};

// Returns the exit status: 0 when every local peer finished, 1 when one failed, 130
// when interrupted. Throws ConfigError for a bad file or run directory.
int launch(const LaunchOptions& options);

}  // namespace gossip
