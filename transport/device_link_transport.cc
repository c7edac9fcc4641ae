#include "transport/device_link_transport.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <stdexcept>

namespace gossip {
namespace {

using namespace std::chrono_literals;

// A frame: the header, then the payload, then unused bytes up to the fixed frame size (a
// channel moves whole frames, so the receiver never needs the size before it has them).
//   0  u32 magic "GNCL"   4  u32 payload length   8  i64 round   16  u8 kind   17  u8 codec
constexpr uint32_t kMagic = 0x4C434E47;

void put(uint8_t* at, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) at[i] = static_cast<uint8_t>(value >> (8 * i));
}

uint64_t get(const uint8_t* at, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= static_cast<uint64_t>(at[i]) << (8 * i);
  return value;
}

struct FrameHeader {
  std::size_t length = 0;
  int64_t round = 0;
  uint8_t kind = 0, codec = 0;
};

void write_frame(std::vector<uint8_t>& frame, std::size_t frame_bytes, int64_t round, uint8_t kind, uint8_t codec,
                 std::span<const uint8_t> payload) {
  frame.assign(frame_bytes, 0);
  put(frame.data(), kMagic, 4);
  put(frame.data() + 4, payload.size(), 4);
  put(frame.data() + 8, static_cast<uint64_t>(round), 8);
  frame[16] = kind;
  frame[17] = codec;
  std::copy(payload.begin(), payload.end(), frame.begin() + DeviceLinkTransport::kHeaderBytes);
}

// Nothing when the frame is not one: a wrong magic, or a length past the frame.
std::optional<FrameHeader> read_header(std::span<const uint8_t> frame) {
  if (frame.size() < DeviceLinkTransport::kHeaderBytes || get(frame.data(), 4) != kMagic) return std::nullopt;
  FrameHeader header{get(frame.data() + 4, 4), static_cast<int64_t>(get(frame.data() + 8, 8)), frame[16], frame[17]};
  if (header.length > frame.size() - DeviceLinkTransport::kHeaderBytes) return std::nullopt;
  return header;
}

template <typename Peers>
std::string list_of(const Peers& peers) {
  std::string text;
  for (int peer : peers) text += (text.empty() ? "" : ", ") + std::to_string(peer);
  return text;
}

}  // namespace

DeviceLinkTransport::DeviceLinkTransport(Transport& inner, DeviceChannelFactory& factory, DeviceLinkOptions options)
    : inner_(inner), factory_(factory), options_(std::move(options)), frame_bytes_(kHeaderBytes + options_.max_payload_bytes) {
  if (!options_.log) options_.log = [](const std::string&) {};
}

DeviceLinkTransport::~DeviceLinkTransport() = default;

std::vector<int> DeviceLinkTransport::channel_peers() const {
  return channels_ ? std::vector<int>(channel_peers_.begin(), channel_peers_.end()) : std::vector<int>{};
}

TransportStats DeviceLinkTransport::stats() const {
  TransportStats stats = inner_.stats();
  stats.bytes_sent += channel_bytes_sent_;
  stats.bytes_received += channel_bytes_received_;
  return stats;
}

void DeviceLinkTransport::set_up(int64_t round) {
  set_up_ = true;
  const std::string name = factory_.name();
  std::vector<ChannelSetup> setups;
  std::vector<int> from;  // the lower ids, whose ids this peer waits for
  try {
    for (int peer : options_.peers) {
      if (peer > self()) {
        setups.push_back({peer, factory_.make_id(), 0});
      } else {
        from.push_back(peer);
      }
    }
  } catch (const std::exception& error) {
    options_.log(name + " could not make a channel id (" + error.what() + "); every link stays on encrypted TCP");
    return;
  }
  std::vector<Outgoing> sends;
  for (const ChannelSetup& setup : setups) sends.push_back({setup.peer, setup.id, 0});
  const ExchangeResult ids =
      inner_.exchange({round, options_.setup_kind, sends, from, Clock::now() + options_.setup_patience});
  for (const Incoming& incoming : ids.received) {
    setups.push_back({incoming.peer, {incoming.payload.begin(), incoming.payload.end()}, 1});
  }
  if (!ids.missing.empty()) {
    options_.log(name + ": no channel id came from peer(s) " + list_of(ids.missing) + "; their links stay on TCP");
  }
  if (setups.empty()) return;
  try {
    channels_ = factory_.connect(setups, frame_bytes_, Clock::now() + options_.setup_patience);
  } catch (const std::exception& error) {
    options_.log(name + " could not start (" + error.what() + "); every link stays on encrypted TCP");
    return;
  }
  for (const ChannelSetup& setup : setups) channel_peers_.insert(setup.peer);
  options_.log(name + ": peer(s) " + list_of(channel_peers_) +
               " reached device to device (not encrypted: it never leaves this host); other links on TCP");
}

void DeviceLinkTransport::give_up(const std::string& why) {
  options_.log(factory_.name() + ": " + why + "; the links to peer(s) " + list_of(channel_peers_) +
               " go over encrypted TCP from now on");
  channels_->abort();
  channels_.reset();
  channel_peers_.clear();
}

ExchangeResult DeviceLinkTransport::exchange(const ExchangeRequest& request) {
  if (!set_up_ && !options_.peers.empty()) set_up(request.round);
  if (!channels_) return inner_.exchange(request);

  std::map<int, ChannelTransfer> transfers;
  std::vector<Outgoing> tcp_sends;
  std::vector<int> tcp_from, tcp_dont_wait;
  for (const Outgoing& send : request.sends) {
    if (!on_channel(send.peer)) {
      tcp_sends.push_back(send);
      continue;
    }
    if (send.payload.size() > options_.max_payload_bytes) {
      throw std::invalid_argument("DeviceLinkTransport: a payload of " + std::to_string(send.payload.size()) +
                                  " bytes to peer " + std::to_string(send.peer) + " is over the limit of " +
                                  std::to_string(options_.max_payload_bytes));
    }
    auto& frame = outgoing_[send.peer];
    write_frame(frame, frame_bytes_, request.round, request.kind, send.codec, send.payload);
    transfers[send.peer].send = frame;
  }
  for (int peer : request.receive_from) {
    if (!on_channel(peer)) {
      tcp_from.push_back(peer);
      continue;
    }
    auto& frame = incoming_[{request.kind, peer}];
    frame.resize(frame_bytes_);
    transfers[peer].receive = frame;
  }
  for (int peer : request.dont_wait_for) {
    if (!on_channel(peer)) tcp_dont_wait.push_back(peer);
  }
  std::vector<ChannelTransfer> queued;
  for (auto& [peer, transfer] : transfers) {
    transfer.peer = peer;
    queued.push_back(transfer);
  }
  const auto started = Clock::now();
  // A failure anywhere on the channels (their start included: a neighbour gone between
  // rounds) falls back to TCP, after the TCP half of this exchange has run.
  std::string failure;
  if (!queued.empty()) {
    try {
      channels_->start(queued);
    } catch (const std::runtime_error& error) {
      failure = error.what();
    }
  }

  ExchangeRequest tcp = request;
  tcp.sends = tcp_sends;
  tcp.receive_from = tcp_from;
  tcp.dont_wait_for = tcp_dont_wait;
  ExchangeResult result = inner_.exchange(tcp);
  if (queued.empty()) return result;

  // The channels' wait: up to patience, in slices, so that a neighbour whose TCP link went
  // down (it crashed) is given up at once rather than at the end of it.
  const auto limit = std::max(request.deadline, started + options_.patience);
  try {
    while (failure.empty() && !channels_->finish(std::min(limit, Clock::now() + 20ms))) {
      if (Clock::now() >= limit) {
        char waited[32];
        std::snprintf(waited, sizeof(waited), "%.1f s", std::chrono::duration<double>(options_.patience).count());
        failure = "nothing from peer(s) " + list_of(channel_peers_) + " within " + waited;
        break;
      }
      if (request.skip_unlinked) {
        const std::vector<int> linked = inner_.linked_peers();
        for (const ChannelTransfer& transfer : queued) {
          if (!std::binary_search(linked.begin(), linked.end(), transfer.peer)) {
            failure = "peer " + std::to_string(transfer.peer) + "'s TCP link went down";
          }
        }
        if (!failure.empty()) break;
      }
    }
  } catch (const std::runtime_error& error) {
    failure = error.what();
  }
  std::map<int, Incoming> arrived;
  for (const ChannelTransfer& transfer : queued) {
    if (!failure.empty() || transfer.receive.empty()) continue;
    const auto header = read_header(transfer.receive);
    if (!header || header->round != request.round || header->kind != request.kind) {
      failure = "peer " + std::to_string(transfer.peer) + "'s frame is not round " + std::to_string(request.round) +
                " kind " + std::to_string(request.kind) + " (" +
                (header ? "round " + std::to_string(header->round) + " kind " + std::to_string(header->kind)
                        : std::string("no frame")) +
                "): its exchanges and this peer's parted";
      break;
    }
    arrived[transfer.peer] = {transfer.peer, header->codec,
                              transfer.receive.subspan(kHeaderBytes, header->length), Clock::now()};
  }
  if (failure.empty()) {
    for (const ChannelTransfer& transfer : queued) {
      channel_bytes_sent_ += transfer.send.size();
      channel_bytes_received_ += transfer.receive.size();
    }
  } else {
    give_up(failure);
    arrived.clear();
    for (const ChannelTransfer& transfer : queued) {
      if (!transfer.send.empty()) result.send_failed.push_back(transfer.peer);
    }
  }

  // Both paths' arrivals in receive_from order, as the contract has them.
  std::vector<Incoming> received;
  std::vector<int> missing;
  auto from_tcp = result.received.begin();
  for (int peer : request.receive_from) {
    const auto transfer = transfers.find(peer);
    if (transfer != transfers.end() && !transfer->second.receive.empty()) {
      if (arrived.count(peer)) {
        received.push_back(arrived[peer]);
      } else {
        missing.push_back(peer);
      }
    } else if (from_tcp != result.received.end() && from_tcp->peer == peer) {
      received.push_back(*from_tcp++);
    } else {
      missing.push_back(peer);
    }
  }
  result.received = std::move(received);
  result.missing = std::move(missing);
  return result;
}

}  // namespace gossip
