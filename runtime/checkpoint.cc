#include "runtime/checkpoint.h"

#include <zlib.h>  // crc32

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <unistd.h>

#include "common/config_error.h"

namespace gossip {
namespace {

constexpr char kMagic[8] = {'G', 'O', 'S', 'S', 'C', 'K', 'P', 'T'};
constexpr uint32_t kVersion = 2;
constexpr uint64_t kMaxSectionBytes = uint64_t{1} << 40;
constexpr uint32_t kMaxSections = 1 << 16;

template <typename T>
void put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void put_bytes(std::string& out, const void* data, uint64_t size) {
  put(out, size);
  if (size > 0) out.append(static_cast<const char*>(data), size);
}

class Reader {
 public:
  Reader(std::string_view bytes, std::string file) : bytes_(bytes), file_(std::move(file)) {}
  template <typename T>
  T get(std::string_view what) {
    T value;
    need(sizeof(T), what);
    std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return value;
  }
  std::string text(uint64_t size, const std::string& what) {
    if (size > kMaxSectionBytes) fail(what + ": impossible size " + std::to_string(size));
    need(size, what);
    std::string value(bytes_.substr(offset_, size));
    offset_ += size;
    return value;
  }
  bool at_end() const { return offset_ == end(); }
  [[noreturn]] void fail(const std::string& problem) const {
    throw ConfigError("checkpoint " + file_ + ": " + problem);
  }

 private:
  // The last 4 bytes are the CRC, not content.
  void need(uint64_t size, std::string_view what) const {
    if (end() - offset_ < size) fail("truncated in " + std::string(what));
  }
  size_t end() const { return bytes_.size() - 4; }
  std::string_view bytes_;
  std::string file_;
  size_t offset_ = 0;
};

void write_file_durably(const std::filesystem::path& path, const std::string& bytes) {
  const auto temporary = std::filesystem::path(path.string() + ".tmp");
  FILE* out = std::fopen(temporary.c_str(), "wb");
  if (!out) throw ConfigError("cannot write checkpoint " + temporary.string() + ": " + std::strerror(errno));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size() && std::fflush(out) == 0 &&
            ::fsync(fileno(out)) == 0;
  ok = std::fclose(out) == 0 && ok;
  if (!ok) throw ConfigError("cannot write checkpoint " + temporary.string() + ": " + std::strerror(errno));
  std::filesystem::rename(temporary, path);
}

}  // namespace

std::filesystem::path checkpoint_path(const std::filesystem::path& dir, int64_t next_round) {
  char name[64];
  std::snprintf(name, sizeof(name), "round-%08lld.ckpt", static_cast<long long>(next_round));
  return dir / name;
}

std::vector<int64_t> checkpoint_rounds(const std::filesystem::path& dir) {
  std::vector<int64_t> rounds;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    long long round = 0;
    char tail[8] = {};
    if (std::sscanf(name.c_str(), "round-%lld.%5s", &round, tail) == 2 && std::string(tail) == "ckpt" &&
        name == checkpoint_path("", round).string()) {
      rounds.push_back(round);
    }
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds;
}

std::string encode_checkpoint(const Checkpoint& checkpoint) {
  std::string bytes(kMagic, sizeof(kMagic));
  put(bytes, kVersion);
  put(bytes, static_cast<uint32_t>(checkpoint.peer));
  put(bytes, checkpoint.next_round);
  put(bytes, checkpoint.config_digest);
  put(bytes, static_cast<uint32_t>(checkpoint.sections.size()));
  for (size_t i = 0; i < checkpoint.sections.size(); ++i) {
    const StateSection& section = checkpoint.sections[i];
    if (section.name.size() > UINT16_MAX) throw std::invalid_argument("checkpoint section name too long: " + section.name.substr(0, 40));
    for (size_t j = 0; j < i; ++j) {
      if (checkpoint.sections[j].name == section.name) {
        throw std::invalid_argument("checkpoint section \"" + section.name + "\" given twice");
      }
    }
    put(bytes, static_cast<uint16_t>(section.name.size()));
    bytes += section.name;
    put_bytes(bytes, section.bytes.data(), section.bytes.size());
  }
  put(bytes, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size())));
  return bytes;
}

void write_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& file) {
  const std::string bytes = encode_checkpoint(checkpoint);
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  write_file_durably(file, bytes);
}

std::filesystem::path save_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& dir, int keep) {
  const auto path = checkpoint_path(dir, checkpoint.next_round);
  write_checkpoint(checkpoint, path);
  auto rounds = checkpoint_rounds(dir);
  for (size_t i = 0; i + static_cast<size_t>(keep) < rounds.size(); ++i) {
    std::filesystem::remove(checkpoint_path(dir, rounds[i]));
  }
  return path;
}

Checkpoint load_checkpoint(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError("checkpoint " + file.string() + ": cannot open it");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_checkpoint(bytes, file.string());
}

Checkpoint decode_checkpoint(std::string_view bytes, const std::string& source) {
  Reader reader(bytes, source);
  if (bytes.size() < sizeof(kMagic) + 4 || std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    reader.fail("not a gossip checkpoint (bad magic)");
  }
  const auto stored_crc = [&] {
    uint32_t crc;
    std::memcpy(&crc, bytes.data() + bytes.size() - 4, 4);
    return crc;
  }();
  if (stored_crc != crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size() - 4)) {
    reader.fail("corrupt (CRC mismatch): the file was cut short or altered");
  }
  reader.get<std::array<char, sizeof(kMagic)>>("magic");
  if (auto version = reader.get<uint32_t>("version"); version != kVersion) {
    reader.fail("format version " + std::to_string(version) + ", this build reads version " + std::to_string(kVersion) +
                (version < kVersion ? " (named sections came in version 2): finish that run with the gossip that "
                                      "started it, or start it again"
                                    : " (written by a newer gossip)"));
  }
  Checkpoint checkpoint;
  checkpoint.peer = static_cast<int>(reader.get<uint32_t>("peer"));
  checkpoint.next_round = reader.get<int64_t>("round");
  checkpoint.config_digest = reader.get<uint32_t>("config digest");
  const auto count = reader.get<uint32_t>("section count");
  if (count > kMaxSections) reader.fail("impossible section count " + std::to_string(count));
  for (uint32_t i = 0; i < count; ++i) {
    StateSection section;
    section.name = reader.text(reader.get<uint16_t>("section name"), "section name");
    section.bytes = reader.text(reader.get<uint64_t>("section " + section.name), "section \"" + section.name + "\"");
    if (checkpoint.find(section.name)) reader.fail("section \"" + section.name + "\" appears twice");
    checkpoint.sections.push_back(std::move(section));
  }
  if (!reader.at_end()) reader.fail("bytes after the last section");
  return checkpoint;
}

const StateSection* Checkpoint::find(std::string_view name) const {
  for (const auto& section : sections) {
    if (section.name == name) return &section;
  }
  return nullptr;
}

void check_sections(const Checkpoint& checkpoint, std::span<const std::string> expected,
                    const std::filesystem::path& file) {
  auto refuse = [&](const std::string& problem) { throw ConfigError("checkpoint " + file.string() + ": " + problem); };
  for (const auto& name : expected) {
    if (!checkpoint.find(name)) {
      refuse("no section \"" + name + "\" (written under another algorithm or task? see config.json of the run)");
    }
  }
  for (const auto& section : checkpoint.sections) {
    if (std::find(expected.begin(), expected.end(), section.name) == expected.end()) {
      refuse("unexpected section \"" + section.name + "\" (written under another algorithm or task?)");
    }
  }
}

void check_owner(const Checkpoint& checkpoint, int peer, uint32_t digest, const std::string& source) {
  if (checkpoint.peer != peer) {
    throw ConfigError("checkpoint " + source + ": belongs to peer " + std::to_string(checkpoint.peer));
  }
  if (checkpoint.config_digest != digest) {
    throw ConfigError("checkpoint " + source + ": was written under other training settings (see config.json of the run); "
                      "resume with the same file and flags");
  }
}

std::vector<float> checkpoint_model(const Checkpoint& checkpoint, const std::filesystem::path& file) {
  const StateSection* model = checkpoint.find("model");
  if (!model) throw ConfigError("checkpoint " + file.string() + ": no section \"model\"");
  try {
    std::vector<float> values(float_count(*model));
    read_floats(*model, values);
    return values;
  } catch (const std::invalid_argument& error) {
    throw ConfigError("checkpoint " + file.string() + ": " + error.what());
  }
}

}  // namespace gossip
