// A peer's checkpoint: everything that decides its future rounds, as named sections (the
// model, the optimizer's momentum, the algorithm's state, the task's sampler, ...) with the
// peer, the next round and a digest of the settings, in one binary file with a CRC,
// written atomically so a kill mid-write leaves the previous checkpoint intact.
//
// Format version 2: magic "GOSSCKPT" | u32 version | u32 peer | i64 next round |
// u32 settings digest | u32 section count | per section: u16 name length, name,
// u64 byte count, bytes | u32 CRC-32 of everything before it. Little-endian.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "algorithms/state_section.h"

namespace gossip {

struct Checkpoint {
  int peer = 0;
  int64_t next_round = 0;      // the round the resumed peer runs first
  uint32_t config_digest = 0;  // of the resolved training settings: refuse another run's file
  std::vector<StateSection> sections;  // names unique

  // The section called `name`, or null.
  const StateSection* find(std::string_view name) const;
};

// The file's bytes, and back (decode throws ConfigError naming `source`, as load does): for a
// checkpoint kept inside another file (a training script's own).
std::string encode_checkpoint(const Checkpoint& checkpoint);
Checkpoint decode_checkpoint(std::string_view bytes, const std::string& source);

// Writes `file` (write to a temporary, fsync, rename). Throws std::invalid_argument for a
// name used twice or longer than 65535 bytes.
void write_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& file);
// Writes DIR/round-NNNNNNNN.ckpt (write, fsync, rename) and keeps the newest `keep` files.
std::filesystem::path save_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& dir, int keep = 2);
// Throws ConfigError naming the file: missing, truncated, corrupt (CRC), another version,
// a section name used twice.
Checkpoint load_checkpoint(const std::filesystem::path& file);
// Throws ConfigError naming the file and the section when the sections are not exactly
// `expected`: "no section \"algorithm.tracker\"", "unexpected section ...".
void check_sections(const Checkpoint& checkpoint, std::span<const std::string> expected,
                    const std::filesystem::path& file);
// Throws ConfigError naming `source` when the checkpoint is another peer's, or was written
// under other settings than those with digest `digest`.
void check_owner(const Checkpoint& checkpoint, int peer, uint32_t digest, const std::string& source);
// The "model" section's floats; throws ConfigError naming the file when it has none.
std::vector<float> checkpoint_model(const Checkpoint& checkpoint, const std::filesystem::path& file);

// Rounds with a checkpoint in DIR, ascending (empty when none).
std::vector<int64_t> checkpoint_rounds(const std::filesystem::path& dir);
std::filesystem::path checkpoint_path(const std::filesystem::path& dir, int64_t next_round);

}  // namespace gossip
