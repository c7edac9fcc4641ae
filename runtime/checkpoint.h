// A peer's checkpoint: everything that decides its future rounds (model, optimizer state,
// the task's sampler state, the next round), in one binary file with a CRC, written
// atomically so a kill mid-write leaves the previous checkpoint intact.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace gossip {

struct Checkpoint {
  int peer = 0;
  int64_t next_round = 0;      // the round the resumed peer runs first
  uint32_t config_digest = 0;  // of the resolved training settings: refuse another run's file
  std::vector<float> model;
  std::vector<float> optimizer;  // momentum buffer; empty without momentum
  std::string task_state;
};

// Writes `file` (write to a temporary, fsync, rename).
void write_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& file);
// Writes DIR/round-NNNNNNNN.ckpt (write, fsync, rename) and keeps the newest `keep` files.
std::filesystem::path save_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& dir, int keep = 2);
// Throws ConfigError naming the file: missing, truncated, corrupt (CRC), wrong version.
Checkpoint load_checkpoint(const std::filesystem::path& file);
// Rounds with a checkpoint in DIR, ascending (empty when none).
std::vector<int64_t> checkpoint_rounds(const std::filesystem::path& dir);
std::filesystem::path checkpoint_path(const std::filesystem::path& dir, int64_t next_round);

}  // namespace gossip
