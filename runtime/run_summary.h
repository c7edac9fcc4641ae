// summary.json of a run: the average model's test numbers (the model a user would ship),
// every peer's own, the consensus error, bytes and time.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>  // the summary is JSON
#include <vector>

#include "runtime/run_progress.h"
#include "topology/topology_file.h"

namespace gossip {

struct RunOutcome {
  std::vector<int> local_peers;
  std::map<int, std::string> failed;  // peer -> how it ended (exit status or signal)
  double wall_seconds = 0;
  int64_t first_round = 0;  // a resumed launch ran from this round: its wall time covers only those
};

// Reads the peers' final models (RUN/peer-I/final.ckpt). When every peer of the file
// finished here, the average model is evaluated with the task and the exact consensus
// error is computed beside the sketch estimate.
nlohmann::json summarize_run(const std::filesystem::path& run_dir, const LoadedTopology& loaded,
                             const RunProgress& progress, const RunOutcome& outcome);

// The summary as a small table for the terminal.
std::string format_summary(const nlohmann::json& summary);

}  // namespace gossip
