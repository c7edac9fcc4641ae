// Device channels: links to neighbours on the same host that move a round's messages device
// to device (NCCL between two GPUs), beside the TCP links, which stay up for everything
// else and take over when a channel fails (device_link_transport.h). Nothing on a channel is
// encrypted or authenticated: it never leaves the host, and the peers' TCP links, which are,
// carry the id that sets it up. transport/nccl/ implements this with one NCCL communicator
// of two ranks per link; tests implement it in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "transport/transport.h"

namespace gossip {

// One neighbour's part of an exchange; each span is exactly frame_bytes long, or empty
// when nothing goes that way this round (W(r) may link the two one way only).
struct ChannelTransfer {
  int peer = 0;
  std::span<const uint8_t> send;
  std::span<uint8_t> receive;
};

// A peer's channels, one per neighbour it joined.
class DeviceChannels {
 public:
  virtual ~DeviceChannels() = default;
  // Queues every transfer of one exchange together and returns at once. The spans stay the
  // caller's until finish() returns. Both ends of a channel queue the same sequence of
  // transfers: a channel is lock-step, the frames' headers say which round each one is.
  virtual void start(std::span<const ChannelTransfer> transfers) = 0;
  // True once every transfer started last is done (the receive spans are filled); false if
  // the deadline passes first, with the transfers still under way, and call again to wait
  // on. Throws std::runtime_error when a channel failed.
  virtual bool finish(Clock::time_point deadline) = 0;
  // Gives every channel up: nothing is started after it.
  virtual void abort() = 0;
};

// This end of one channel: the neighbour, the channel's id (made by the lower id of the
// two and sent over their TCP link) and this end's rank (0: the maker).
struct ChannelSetup {
  int peer = 0;
  std::vector<uint8_t> id;
  int rank = 0;
};

class DeviceChannelFactory {
 public:
  virtual ~DeviceChannelFactory() = default;
  virtual std::string name() const = 0;  // what the logs call it: "NCCL"
  // A fresh channel id. Throws std::runtime_error with the library's reason.
  virtual std::vector<uint8_t> make_id() = 0;
  // Joins every channel at once (each needs its other end to join too). Throws
  // std::runtime_error with the reason, or when the deadline passes first.
  virtual std::unique_ptr<DeviceChannels> connect(std::span<const ChannelSetup> setups, std::size_t frame_bytes,
                                                  Clock::time_point deadline) = 0;
};

}  // namespace gossip
