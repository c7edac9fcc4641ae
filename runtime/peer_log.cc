#include "runtime/peer_log.h"

#include <cstdlib>

#include "runtime/round_line.h"  // seconds
#include "runtime/run_directory.h"

namespace gossip {

PeerLog::PeerLog(int peer, std::function<void(const std::string&)> sink, const std::filesystem::path& copy)
    : peer_(peer), sink_(std::move(sink)) {
  if (sink_ || copy.empty()) return;
  std::filesystem::create_directories(copy.parent_path());
  copy_.reset(std::fopen(copy.c_str(), "a"));
}

void PeerLog::operator()(const std::string& line) const {
  if (sink_) {
    sink_(line);
    return;
  }
  char prefix[48];
  std::snprintf(prefix, sizeof(prefix), "[peer %d %.1fs] ", peer_, seconds(Clock::now() - started_));
  std::fprintf(stderr, "%s%s\n", prefix, line.c_str());
  if (copy_) {
    std::fprintf(copy_.get(), "%s%s\n", prefix, line.c_str());
    std::fflush(copy_.get());
  }
}

std::filesystem::path default_log_copy(const std::filesystem::path& run_dir, int peer) {
  return std::getenv("GOSSIP_LAUNCHED") ? std::filesystem::path() : log_path(run_dir, peer);
}

}  // namespace gossip
