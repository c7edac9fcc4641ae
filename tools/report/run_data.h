// One run directory as `gossip report` and `gossip watch` see it: every peer's metrics
// lines, the settings, and the consensus error rebuilt from the peers' sketches, with a
// warning, naming file and line, for whatever is missing or damaged. Nothing here needs
// the peers' clocks to agree: everything is keyed by round.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>  // metrics lines and settings are JSON
#include <optional>
#include <string>
#include <vector>

namespace gossip::report {

struct PeerSeries {
  int peer = 0;
  std::string attack;                // its attack when the settings make it Byzantine, else ""
  bool found = false;                // its metrics file exists
  std::vector<nlohmann::json> lines;  // the complete, valid lines, by round
  int64_t last_round() const { return lines.empty() ? -1 : lines.back().value("round", int64_t{-1}); }
};

// The consensus error at one round where at least two honest peers sketched their model.
struct ConsensusPoint {
  int64_t round = 0;
  double estimate = 0;        // (1/n) sum_i ||x_i - x_bar||^2 over the honest peers that sketched
  int peers = 0;              // how many sketched (fewer than the honest peers: a peer is missing)
  // By peer index (as in RunData::peers): ||x_i - x_bar||^2, x_bar the honest peers' mean;
  // null where the peer has no sketch at this round.
  std::vector<std::optional<double>> distance;
};

struct RunData {
  std::filesystem::path dir;
  std::string name;              // the folder's name
  nlohmann::json settings;       // {"graph": ..., "peers": n, "training": {...}}, as resolved
  nlohmann::json summary;        // summary.json, or null while the run goes on
  nlohmann::json average_curve;  // the average model at each snapshot round (may be empty)
  int64_t rounds = 0;            // as configured
  int sketch_rows = 0;
  std::vector<PeerSeries> peers;
  std::vector<ConsensusPoint> consensus;
  std::vector<std::string> warnings;
};

// Reads what is there; never throws for damaged or partial files (they become warnings).
// `average_model`: also evaluate the average of the peers' snapshots (slow on big tasks).
RunData load_run(const std::filesystem::path& dir, bool average_model = true);

// For each run, a legend entry made of the settings that differ between the runs
// ("graph=ring, algorithm=dsgd"); the folder's name where nothing differs.
std::vector<std::string> run_labels(const std::vector<RunData>& runs);

// The settings as "path": value pairs, e.g. "training.compressor.kind": "top_k".
nlohmann::json flatten_settings(const nlohmann::json& settings);

}  // namespace gossip::report
