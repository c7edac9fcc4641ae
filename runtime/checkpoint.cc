#include "runtime/checkpoint.h"

#include <zlib.h>  // crc32

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <unistd.h>

#include "common/config_error.h"

namespace gossip {
namespace {

constexpr char kMagic[8] = {'G', 'O', 'S', 'S', 'C', 'K', 'P', 'T'};
constexpr uint32_t kVersion = 1;
constexpr uint64_t kMaxValues = uint64_t{1} << 32;

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
  Reader(const std::string& bytes, std::string file) : bytes_(bytes), file_(std::move(file)) {}
  template <typename T>
  T get(const char* what) {
    T value;
    need(sizeof(T), what);
    std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return value;
  }
  template <typename T>
  std::vector<T> array(const char* what) {
    auto count = get<uint64_t>(what);
    if (count % sizeof(T) != 0 || count / sizeof(T) > kMaxValues) fail(std::string(what) + ": impossible size");
    need(count, what);
    std::vector<T> values(count / sizeof(T));
    if (count > 0) std::memcpy(values.data(), bytes_.data() + offset_, count);
    offset_ += count;
    return values;
  }
  [[noreturn]] void fail(const std::string& problem) const {
    throw ConfigError("checkpoint " + file_ + ": " + problem);
  }

 private:
  void need(uint64_t size, const char* what) const {
    if (bytes_.size() - offset_ < size) fail(std::string("truncated in ") + what);
  }
  const std::string& bytes_;
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

void write_checkpoint(const Checkpoint& checkpoint, const std::filesystem::path& file) {
  std::string bytes(kMagic, sizeof(kMagic));
  put(bytes, kVersion);
  put(bytes, static_cast<uint32_t>(checkpoint.peer));
  put(bytes, checkpoint.next_round);
  put(bytes, checkpoint.config_digest);
  put_bytes(bytes, checkpoint.model.data(), checkpoint.model.size() * sizeof(float));
  put_bytes(bytes, checkpoint.optimizer.data(), checkpoint.optimizer.size() * sizeof(float));
  put_bytes(bytes, checkpoint.task_state.data(), checkpoint.task_state.size());
  put(bytes, static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size())));
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
  Reader reader(bytes, file.string());
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
    reader.fail("version " + std::to_string(version) + ", this build reads version " + std::to_string(kVersion));
  }
  Checkpoint checkpoint;
  checkpoint.peer = static_cast<int>(reader.get<uint32_t>("peer"));
  checkpoint.next_round = reader.get<int64_t>("round");
  checkpoint.config_digest = reader.get<uint32_t>("config digest");
  checkpoint.model = reader.array<float>("model");
  checkpoint.optimizer = reader.array<float>("optimizer state");
  auto state = reader.array<char>("task state");
  checkpoint.task_state.assign(state.begin(), state.end());
  return checkpoint;
}

}  // namespace gossip
