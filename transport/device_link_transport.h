// A Transport that sends a round's messages to some neighbours over device channels
// (device_channels.h: NCCL between GPUs of one host) and to every other through the
// transport it wraps (TCP). A peer mixes what came by either path the same way: the
// exchange's result does not say which path a message took.
//
// Set-up, at the first exchange: for each channel neighbour, the lower id of the two makes
// the channel's id and sends it over their TCP link (one exchange of the setup kind), then
// both join, each step within `setup_patience`. If that fails (no id came, the library
// cannot start) the peer says so once and every link stays on TCP. A peer restarted mid-run
// finds its neighbours past their set-up, so it costs that peer one setup_patience.
//
// A channel is lock-step: both ends queue the same exchanges, so a channel neighbour is
// waited for like an all-reduce's ranks are, up to `patience` (the round timeout) and not
// the round's adaptive deadline, except that one whose TCP link went down is given up at
// once. A channel that fails (a wait past patience, a library error, a frame of another
// round: the two ends' sequences parted) is given up: the peer says so once, the
// neighbours of this exchange are reported missing (and unsent), and from the next
// exchange on every link is on TCP.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "transport/device_channels.h"
#include "transport/transport.h"

namespace gossip {

struct DeviceLinkOptions {
  std::vector<int> peers;             // the neighbours to reach over channels
  std::size_t max_payload_bytes = 0;  // the largest payload: a frame holds it and a header
  uint8_t setup_kind = 0;             // the message kind of the channel ids
  std::chrono::milliseconds patience{30000};
  // How long the set-up waits for an id, and then for the neighbours to join: peers start
  // their first round together (each waited for its links), so a few seconds are plenty.
  std::chrono::milliseconds setup_patience{10000};
  std::function<void(const std::string&)> log;
};

class DeviceLinkTransport final : public Transport {
 public:
  // `inner` and `factory` must outlive it.
  DeviceLinkTransport(Transport& inner, DeviceChannelFactory& factory, DeviceLinkOptions options);
  ~DeviceLinkTransport() override;

  int self() const override { return inner_.self(); }
  ExchangeResult exchange(const ExchangeRequest& request) override;
  // The wrapped transport's, with the bytes that went over channels added.
  TransportStats stats() const override;
  std::vector<int> linked_peers() const override { return inner_.linked_peers(); }
  std::vector<int> wait_for_links(Clock::time_point deadline) override { return inner_.wait_for_links(deadline); }

  // The neighbours reached over channels now (empty before set-up and after a failure).
  std::vector<int> channel_peers() const;

  static constexpr std::size_t kHeaderBytes = 24;

 private:
  void set_up(int64_t round);
  void give_up(const std::string& why);
  bool on_channel(int peer) const { return channels_ && channel_peers_.count(peer) > 0; }

  Transport& inner_;
  DeviceChannelFactory& factory_;
  DeviceLinkOptions options_;
  std::size_t frame_bytes_;
  bool set_up_ = false;
  std::unique_ptr<DeviceChannels> channels_;
  std::set<int> channel_peers_;
  std::map<int, std::vector<uint8_t>> outgoing_;                   // by peer: the frame being sent
  std::map<std::pair<uint8_t, int>, std::vector<uint8_t>> incoming_;  // by (kind, peer): the last frame received
  uint64_t channel_bytes_sent_ = 0, channel_bytes_received_ = 0;
};

}  // namespace gossip
