// One authenticated connection to one neighbour, after the handshake. It owns the
// socket and runs three coroutines on the transport's network thread: a reader that
// decodes records into the inbox, a writer that drains the send queue, and a watchdog
// that sends keepalives and closes the link when the peer falls silent. Everything
// here runs on that one thread, so link state needs no locks.
#pragma once

#include <asio.hpp>  // sockets, timers, coroutines
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "transport/cipher.h"
#include "transport/frame_codec.h"
#include "transport/handshake.h"
#include "transport/inbox.h"

namespace gossip::tcp {

struct LinkSettings {
  uint32_t self;  // this peer's id: the sender of every message it writes
  std::size_t max_message_bytes;
  std::size_t chunk_bytes;
  std::size_t batch_bytes;
  std::chrono::milliseconds keepalive_interval;
  std::chrono::milliseconds dead_after;
  // A key seals at most this many records or bytes: past either, the link closes at the
  // next message boundary and is dialed again, a fresh handshake with fresh keys.
  uint64_t max_records_per_key;
  uint64_t max_bytes_per_key;
};

struct LinkCounters {
  std::atomic<uint64_t> bytes_sent{0}, bytes_received{0};
};

class Link : public std::enable_shared_from_this<Link> {
 public:
  // Called once with ok = false if the link closes before the message is fully written.
  using Done = std::function<void(bool ok)>;
  using Closed = std::function<void(Link& link, const std::string& reason)>;

  Link(asio::ip::tcp::socket socket, const SessionKeys& keys, const LinkSettings& settings, Inbox& inbox,
       LinkCounters& counters, Closed on_closed);

  int peer() const { return static_cast<int>(peer_); }
  bool closed() const { return closed_; }
  std::string remote_address() const { return remote_; }

  void start();
  // Queues a message; `payload` must stay valid until `done` runs. Returns a ticket for withdraw().
  uint64_t send(const wire::MessageHeader& header, std::span<const uint8_t> payload, Done done);
  // Takes back a queued message whose writing has not begun (its `done` runs with false);
  // false if it is being written, when only closing the link frees its payload.
  bool withdraw(uint64_t ticket);
  // Queues "the last message of `kind` sent to you before this link was for `round`".
  void announce(uint8_t kind, int64_t round);
  // Idempotent. Fails queued sends, aborts a half-received message, tells the owner.
  void close(const std::string& reason);

 private:
  struct Queued {
    wire::MessageHeader header;
    std::span<const uint8_t> payload;
    Done done;
    uint64_t ticket = 0;
  };
  asio::awaitable<void> read_loop();
  asio::awaitable<void> write_loop();
  asio::awaitable<void> watchdog();
  void queue_keepalive();

  asio::ip::tcp::socket socket_;
  uint32_t peer_;
  std::string remote_;
  LinkSettings settings_;
  Inbox& inbox_;
  LinkCounters& counters_;
  Closed on_closed_;
  std::optional<RecordCipher> send_cipher_, receive_cipher_;
  FrameEncoder encoder_;
  FrameDecoder decoder_;
  std::deque<Queued> queue_;
  asio::steady_timer wake_writer_;
  asio::steady_timer watchdog_timer_;
  std::chrono::steady_clock::time_point last_received_, last_sent_;
  uint64_t bytes_under_key_ = 0;  // written since the handshake
  bool closed_ = false;
  bool writing_front_ = false;  // the writer has begun the message at the front of queue_
  uint64_t next_ticket_ = 1;
};

}  // namespace gossip::tcp
