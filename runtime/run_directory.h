// Where a run's files go. A run directory is meant to be read by people and scripts:
//   RUN/config.json             the resolved training settings and the topology used
//   RUN/topology.json           the topology file the peers ran (with the public keys)
//   RUN/summary.json            written by `gossip launch` at the end
//   RUN/peer-I/metrics.jsonl    one JSON object per round
//   RUN/peer-I/peer.log         the peer's log (stdout and stderr under the launcher)
//   RUN/peer-I/checkpoints/     round-NNNNNNNN.ckpt, the newest two
//   RUN/peer-I/snapshots/       round-NNNNNNNN.ckpt, the evaluated model every snapshot_every rounds
//   RUN/peer-I/final.ckpt       the final model, in the checkpoint format
#pragma once

#include <filesystem>
#include <string>

namespace gossip {

inline std::filesystem::path peer_directory(const std::filesystem::path& run, int peer) {
  return run / ("peer-" + std::to_string(peer));
}
inline std::filesystem::path metrics_path(const std::filesystem::path& run, int peer) {
  return peer_directory(run, peer) / "metrics.jsonl";
}
inline std::filesystem::path log_path(const std::filesystem::path& run, int peer) {
  return peer_directory(run, peer) / "peer.log";
}
inline std::filesystem::path checkpoint_directory(const std::filesystem::path& run, int peer) {
  return peer_directory(run, peer) / "checkpoints";
}
inline std::filesystem::path snapshot_directory(const std::filesystem::path& run, int peer) {
  return peer_directory(run, peer) / "snapshots";
}
inline std::filesystem::path final_model_path(const std::filesystem::path& run, int peer) {
  return peer_directory(run, peer) / "final.ckpt";
}

}  // namespace gossip
