// The product transport: authenticated, encrypted links over TCP to every neighbour in
// the topology. The higher id of each pair dials, so a pair never holds two links;
// dialing retries with backoff, and a neighbour that restarts handshakes again and
// replaces its old link. One network thread runs everything asynchronous.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/handshake.h"
#include "transport/inbox.h"
#include "transport/transport.h"

namespace gossip {

struct TcpPeer {
  std::string host;
  uint16_t port = 0;
  std::optional<PublicKey> public_key;
};

struct TcpOptions {
  int self = 0;
  std::vector<TcpPeer> peers;   // by id: every peer of the run
  std::vector<int> neighbours;  // the peers this one links to, in either direction
  Identity identity;
  std::array<uint8_t, 32> run_id{};
  bool plaintext = false;       // measurement only; every peer must agree
  std::string bind_host;        // where to listen; empty: this peer's host from `peers`
  std::size_t max_message_bytes = std::size_t{64} << 20;  // hard limit, checked before allocating
  // 256 KiB records keep a record in L2 between the socket copy and the cipher.
  std::size_t chunk_bytes = std::size_t{256} << 10;       // payload bytes per record
  std::size_t batch_bytes = std::size_t{1} << 20;         // payload bytes per gather write
  std::chrono::milliseconds handshake_timeout{5000};
  // The first hello is a fixed 82 bytes: a client that has not sent it by then is dropped,
  // so idle connections cannot hold handshake slots for long.
  std::chrono::milliseconds hello_timeout{1000};
  int max_handshakes = 64;              // in flight at once, from everyone
  int max_handshakes_per_address = 4;   // from one address that is not a neighbour's
  std::chrono::milliseconds keepalive_interval{1000};
  std::chrono::milliseconds dead_after{5000};
  std::chrono::milliseconds max_dial_backoff{1000};
  // Rekeying: a fresh handshake after this many records or bytes under one key (a knob
  // tests make small); the record counter is the nonce and must never wrap.
  uint64_t max_records_per_key = uint64_t{1} << 32;
  uint64_t max_bytes_per_key = uint64_t{1} << 40;
  InboxLimits inbox;
  int64_t first_round = 0;  // of the first exchange (see Inbox): a resumed peer's checkpoint round
  // Where the transport's log lines go (called on the network thread); default stderr.
  std::function<void(const std::string&)> log;
};

class TcpTransport : public Transport {
 public:
  // Listens and starts dialing. Throws std::runtime_error if it cannot listen.
  explicit TcpTransport(TcpOptions options);
  ~TcpTransport() override;

  int self() const override;
  ExchangeResult exchange(const ExchangeRequest& request) override;
  TransportStats stats() const override;
  std::vector<int> linked_peers() const override;
  std::vector<int> wait_for_links(Clock::time_point deadline) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gossip
