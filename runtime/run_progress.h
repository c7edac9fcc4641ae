// What a run is doing, read from its peers' metrics files while they are written: the
// launcher's live progress line and the per-peer numbers of summary.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gossip {

struct PeerProgress {
  int peer = 0;
  uint64_t offset = 0;     // how far its metrics file has been read
  int64_t round = -1;      // last round finished
  double loss = 0;
  std::optional<double> test_accuracy;  // at its last evaluation
  int64_t evaluated_round = -1;          // the round of that evaluation
  std::optional<double> test_loss;
  uint64_t bytes_sent = 0, bytes_received = 0;
  uint64_t missing = 0;    // neighbour-rounds missed, summed
  int64_t rounds_seen = 0;  // metrics lines read
  std::map<int, int64_t> missing_by_neighbour;  // rounds each neighbour was missing
  double compute_seconds = 0, communicate_seconds = 0, wait_seconds = 0;
  std::map<int64_t, std::vector<double>> sketches;  // by round, the newest few
  bool byzantine = false;  // listed in the byzantine setting: left out of the honest numbers
};

class RunProgress {
 public:
  // `byzantine`: the peers the settings make Byzantine; test accuracy and consensus error
  // are over the others (the honest peers) only.
  RunProgress(std::filesystem::path run_dir, std::vector<int> peers, int64_t rounds, std::vector<int> byzantine = {});

  // Reads what the peers appended since the last poll.
  void poll();
  // One line: round, loss, test accuracy, consensus error, bytes per second, slowest peer.
  std::string line(double elapsed_seconds);
  // The consensus-error estimate at the newest round every honest peer has sketched, if any.
  std::optional<std::pair<int64_t, double>> consensus_error() const;
  const std::vector<PeerProgress>& peers() const { return peers_; }

 private:
  std::filesystem::path run_dir_;
  int64_t rounds_;
  std::vector<PeerProgress> peers_;
  double last_elapsed_ = 0;
  uint64_t last_bytes_ = 0;
};

}  // namespace gossip
