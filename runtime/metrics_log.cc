#include "runtime/metrics_log.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/config_error.h"
#include "common/json_parse.h"

namespace gossip {

std::vector<nlohmann::json> read_metrics(const std::filesystem::path& path, uint64_t* offset) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path, std::ios::binary);
  if (!in) return lines;
  if (offset) in.seekg(static_cast<std::streamoff>(*offset));
  std::string line;
  uint64_t consumed = offset ? *offset : 0;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // no newline yet: the writer is mid-line
    consumed += line.size() + 1;
    std::optional<nlohmann::json> value = try_parse_json(line);
    if (value && value->is_object()) lines.push_back(std::move(*value));
  }
  if (offset) *offset = consumed;
  return lines;
}

MetricsLog::MetricsLog(const std::filesystem::path& path, int64_t keep_before_round) : path_(path) {
  std::string kept;
  if (keep_before_round > 0) {
    for (const auto& line : read_metrics(path)) {
      if (line.value("round", int64_t{-1}) < keep_before_round) kept += line.dump() + "\n";
    }
  }
  std::filesystem::create_directories(path.parent_path());
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw ConfigError("cannot write metrics file " + path.string() + ": " + std::strerror(errno));
  std::fputs(kept.c_str(), file_);
  std::fflush(file_);
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::write(const nlohmann::json& line) {
  const std::string text = line.dump() + "\n";
  if (std::fputs(text.c_str(), file_) < 0 || std::fflush(file_) != 0) {
    throw ConfigError("cannot write metrics file " + path_.string() + ": " + std::strerror(errno));
  }
}

}  // namespace gossip
