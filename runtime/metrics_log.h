// A peer's metrics file: one JSON object per line (JSONL), flushed line by line so the
// launcher and plotting scripts can read it while the run goes on.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>  // each line is a JSON object

namespace gossip {

class MetricsLog {
 public:
  // Keeps the lines of rounds before `keep_before_round` (a resumed run rewrites the
  // rounds after its checkpoint) and appends after them; 0 starts the file afresh.
  MetricsLog(const std::filesystem::path& path, int64_t keep_before_round);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  void write(const nlohmann::json& line);

 private:
  std::filesystem::path path_;
  FILE* file_ = nullptr;
};

// Every complete line of a metrics file that parses as a JSON object; a line being
// written (no newline yet) or damaged is skipped. `offset` continues a previous read.
std::vector<nlohmann::json> read_metrics(const std::filesystem::path& path, uint64_t* offset = nullptr);

}  // namespace gossip
