// A peer's log lines: to the caller's sink when it gives one, else to stderr with the peer's
// id and its time since start, and appended to a copy file (RUN/peer-I/peer.log for a peer
// started by hand; under `gossip launch` stderr is that file already).
#pragma once

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "transport/transport.h"  // Clock

namespace gossip {

class PeerLog {
 public:
  // `copy` empty: no copy.
  PeerLog(int peer, std::function<void(const std::string&)> sink, const std::filesystem::path& copy);
  void operator()(const std::string& line) const;

 private:
  int peer_;
  std::function<void(const std::string&)> sink_;
  Clock::time_point started_ = Clock::now();
  std::unique_ptr<FILE, int (*)(FILE*)> copy_{nullptr, &std::fclose};
};

// Where a peer started by hand keeps a copy of its log: RUN/peer-I/peer.log, or nowhere under
// `gossip launch` (GOSSIP_LAUNCHED), whose peers' stderr is that file.
std::filesystem::path default_log_copy(const std::filesystem::path& run_dir, int peer);

}  // namespace gossip
