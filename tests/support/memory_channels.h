// Device channels in memory (transport/device_channels.h), for tests of what stands above
// them: a channel joins when both of its ends connect with its id, a frame sent is queued
// for the other end, and a test can make connect or a peer's sends fail, or hold one peer's
// frames back.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "transport/device_channels.h"

namespace gossip::testing {

class MemoryChannelHub {
 public:
  std::string connect_failure;  // non-empty: every connect throws it
  std::set<int> held;           // peers whose frames never arrive (a stalled GPU)
  std::set<int> failing_start;  // peers whose start throws, sending nothing (a neighbour gone)
  // Rewrites a frame from `from` on its way (a broken or hostile neighbour).
  std::function<void(int from, std::vector<uint8_t>& frame)> corrupt;

  // Frames from `from` to `to`, in order.
  struct Pipe {
    std::deque<std::vector<uint8_t>> frames;
  };

  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, int> joined;  // channel id (its bytes) -> ends connected
  std::map<std::pair<int, int>, Pipe> pipes;
  int next_id = 0;
};

class MemoryChannels final : public DeviceChannels {
 public:
  MemoryChannels(MemoryChannelHub& hub, int self) : hub_(hub), self_(self) {}
  void start(std::span<const ChannelTransfer> transfers) override {
    std::lock_guard lock(hub_.mutex);
    if (hub_.failing_start.count(self_)) throw std::runtime_error("ncclSend: remote process exited");
    pending_.assign(transfers.begin(), transfers.end());
    for (const ChannelTransfer& transfer : transfers) {
      if (!transfer.send.empty() && !hub_.held.count(self_)) {
        std::vector<uint8_t> frame(transfer.send.begin(), transfer.send.end());
        if (hub_.corrupt) hub_.corrupt(self_, frame);
        hub_.pipes[{self_, transfer.peer}].frames.push_back(std::move(frame));
      }
    }
    hub_.changed.notify_all();
  }
  bool finish(Clock::time_point deadline) override {
    std::unique_lock lock(hub_.mutex);
    auto ready = [&] {
      for (const ChannelTransfer& transfer : pending_) {
        if (!transfer.receive.empty() && hub_.pipes[{transfer.peer, self_}].frames.empty()) return false;
      }
      return true;
    };
    if (!hub_.changed.wait_until(lock, deadline, ready)) return false;
    for (const ChannelTransfer& transfer : pending_) {
      if (transfer.receive.empty()) continue;
      auto& frames = hub_.pipes[{transfer.peer, self_}].frames;
      std::copy(frames.front().begin(), frames.front().end(), transfer.receive.begin());
      frames.pop_front();
    }
    pending_.clear();
    return true;
  }
  void abort() override { aborted = true; }
  bool aborted = false;

 private:
  MemoryChannelHub& hub_;
  int self_;
  std::vector<ChannelTransfer> pending_;
};

class MemoryChannelFactory final : public DeviceChannelFactory {
 public:
  MemoryChannelFactory(MemoryChannelHub& hub, int self) : hub_(hub), self_(self) {}
  std::string name() const override { return "MEM"; }
  std::vector<uint8_t> make_id() override {
    std::lock_guard lock(hub_.mutex);
    const int id = hub_.next_id++;
    return {static_cast<uint8_t>(id), static_cast<uint8_t>(id >> 8), 0x6d};
  }
  std::unique_ptr<DeviceChannels> connect(std::span<const ChannelSetup> setups, std::size_t,
                                          Clock::time_point deadline) override {
    std::unique_lock lock(hub_.mutex);
    if (!hub_.connect_failure.empty()) throw std::runtime_error(hub_.connect_failure);
    for (const ChannelSetup& setup : setups) ++hub_.joined[key(setup.id)];
    hub_.changed.notify_all();
    const bool all_joined = hub_.changed.wait_until(lock, deadline, [&] {
      for (const ChannelSetup& setup : setups) {
        if (hub_.joined[key(setup.id)] < 2) return false;
      }
      return true;
    });
    if (!all_joined) throw std::runtime_error("timed out joining");
    ++connects;
    return std::make_unique<MemoryChannels>(hub_, self_);
  }
  int connects = 0;

 private:
  static std::string key(const std::vector<uint8_t>& id) { return std::string(id.begin(), id.end()); }

  MemoryChannelHub& hub_;
  int self_;
};

}  // namespace gossip::testing
