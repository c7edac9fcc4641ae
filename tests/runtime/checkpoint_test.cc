#include <doctest/doctest.h>

#include <fstream>

#include "runtime/checkpoint.h"
#include "support/temp_dir.h"
#include "common/config_error.h"

using namespace gossip;

namespace {

Checkpoint sample() {
  return {3, 120, 0xabcdef, {1.5f, -2.25f, 3.0f}, {0.5f, 0.25f, 0.125f}, "sampler state\nwith lines"};
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string load_error(const std::filesystem::path& path) {
  try {
    load_checkpoint(path);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("checkpoint: round trip keeps every field bit for bit") {
  testing::TempDir dir;
  auto path = save_checkpoint(sample(), dir.path());
  CHECK(path == checkpoint_path(dir.path(), 120));
  Checkpoint loaded = load_checkpoint(path);
  CHECK(loaded.peer == 3);
  CHECK(loaded.next_round == 120);
  CHECK(loaded.config_digest == 0xabcdef);
  CHECK(loaded.model == sample().model);
  CHECK(loaded.optimizer == sample().optimizer);
  CHECK(loaded.task_state == sample().task_state);
}

TEST_CASE("checkpoint: only the newest files are kept") {
  testing::TempDir dir;
  for (int64_t round : {10, 20, 30, 40}) {
    Checkpoint checkpoint = sample();
    checkpoint.next_round = round;
    save_checkpoint(checkpoint, dir.path(), 2);
  }
  CHECK(checkpoint_rounds(dir.path()) == std::vector<int64_t>{30, 40});
  CHECK(checkpoint_rounds(dir.path() / "absent").empty());
}

TEST_CASE("checkpoint: corrupt, truncated and foreign files are refused by name") {
  testing::TempDir dir;
  auto path = save_checkpoint(sample(), dir.path());
  const std::string good = read_all(path);

  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x10;
  write_all(path, flipped);
  CHECK(load_error(path).find("CRC") != std::string::npos);
  CHECK(load_error(path).find(path.string()) != std::string::npos);

  write_all(path, good.substr(0, good.size() - 9));
  CHECK(load_error(path).find("CRC") != std::string::npos);

  write_all(path, "not a checkpoint at all");
  CHECK(load_error(path).find("bad magic") != std::string::npos);

  CHECK(load_error(dir.path() / "missing.ckpt").find("cannot open") != std::string::npos);
}

TEST_CASE("checkpoint: empty optimizer state and task state round trip (no momentum, a stateless task)") {
  testing::TempDir dir;
  Checkpoint checkpoint = sample();
  checkpoint.optimizer.clear();
  checkpoint.task_state.clear();
  Checkpoint loaded = load_checkpoint(save_checkpoint(checkpoint, dir.path()));
  CHECK(loaded.optimizer.empty());
  CHECK(loaded.task_state.empty());
  CHECK(loaded.model == checkpoint.model);
}
