#include <doctest/doctest.h>

#include <zlib.h>

#include <fstream>

#include "runtime/checkpoint.h"
#include "support/temp_dir.h"
#include "common/config_error.h"

using namespace gossip;

namespace {

const std::vector<float> kModel{1.5f, -2.25f, 3.0f};

Checkpoint sample() {
  const float momentum[] = {0.5f, 0.25f, 0.125f};
  return {3, 120, 0xabcdef, {float_section("model", kModel), float_section("optimizer", momentum), {"task", "sampler state\nwith lines"}, {"algorithm.tracker", std::string("\0\1\2", 3)}}};
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
  REQUIRE(loaded.sections.size() == 4);
  for (const auto& section : sample().sections) {
    INFO(section.name);
    REQUIRE(loaded.find(section.name));
    CHECK(loaded.find(section.name)->bytes == section.bytes);
  }
  CHECK(checkpoint_model(loaded, path) == kModel);
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

TEST_CASE("checkpoint: empty sections and no sections round trip") {
  testing::TempDir dir;
  Checkpoint checkpoint = sample();
  checkpoint.sections[1].bytes.clear();
  checkpoint.sections[2].bytes.clear();
  Checkpoint loaded = load_checkpoint(save_checkpoint(checkpoint, dir.path()));
  CHECK(loaded.find("optimizer")->bytes.empty());
  CHECK(loaded.find("task")->bytes.empty());
  checkpoint.sections.clear();
  CHECK(load_checkpoint(save_checkpoint(checkpoint, dir.path())).sections.empty());
}

TEST_CASE("checkpoint: sections missing or unexpected are refused by name") {
  testing::TempDir dir;
  const auto path = save_checkpoint(sample(), dir.path());
  const Checkpoint loaded = load_checkpoint(path);
  const std::vector<std::string> same{"model", "optimizer", "task", "algorithm.tracker"};
  CHECK_NOTHROW(check_sections(loaded, same, path));
  const std::vector<std::string> more{"model", "optimizer", "task", "algorithm.tracker", "algorithm.public_copy"};
  CHECK_THROWS_WITH_AS(check_sections(loaded, more, path), doctest::Contains("no section \"algorithm.public_copy\""),
                       ConfigError);
  const std::vector<std::string> fewer{"model", "optimizer", "task"};
  CHECK_THROWS_WITH_AS(check_sections(loaded, fewer, path), doctest::Contains("unexpected section \"algorithm.tracker\""),
                       ConfigError);
  CHECK_THROWS_WITH_AS(check_sections(loaded, fewer, path), doctest::Contains(path.c_str()), ConfigError);
  Checkpoint twice = sample();
  twice.sections.push_back(twice.sections[0]);
  CHECK_THROWS_AS(write_checkpoint(twice, dir.file("twice.ckpt")), std::invalid_argument);
}

TEST_CASE("checkpoint: a file of format version 1 is refused with what to do") {
  testing::TempDir dir;
  // Version 1: magic, version, peer, round, digest, then fixed fields; CRC-32 at the end.
  std::string bytes("GOSSCKPT", 8);
  const uint32_t version = 1, peer = 0, digest = 7;
  const int64_t round = 10;
  bytes.append(reinterpret_cast<const char*>(&version), 4);
  bytes.append(reinterpret_cast<const char*>(&peer), 4);
  bytes.append(reinterpret_cast<const char*>(&round), 8);
  bytes.append(reinterpret_cast<const char*>(&digest), 4);
  bytes.append(24, '\0');
  const uint32_t crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
  bytes.append(reinterpret_cast<const char*>(&crc), 4);
  write_all(dir.path() / "old.ckpt", bytes);
  const std::string error = load_error(dir.path() / "old.ckpt");
  CHECK(error.find("format version 1, this build reads version 2") != std::string::npos);
  CHECK(error.find("start it again") != std::string::npos);
}
