// The TCP transport's state, shared by its two halves: connections.cc (listening,
// dialing, handshakes, links coming and going) and tcp_transport.cc (exchange, stats).
// Everything below "network-thread state" is touched only on the network thread.
#pragma once

#include <asio.hpp>  // io_context, sockets, timers, coroutines
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "transport/tcp/handshake_slots.h"
#include "transport/tcp/link.h"
#include "transport/tcp/tcp_transport.h"

namespace gossip {

using Tcp = asio::ip::tcp;
using TcpSocket = std::shared_ptr<Tcp::socket>;

struct TcpTransport::Impl {
  // One exchange's sends. A link that drops mid-exchange may take a message with it that
  // the other end never read, and when it comes back both ends would wait out the round:
  // so while the exchange lasts, every send to a peer whose link comes up again is sent
  // once more on the new link (the receiver drops a duplicate), see resend_on().
  //
  // Ending an exchange without a round trip through the network thread: every wake-up of
  // a sleeping thread costs tens of microseconds on a VM, a fixed cost per message that
  // showed as links at 1-8 MiB running well below raw TCP. The caller sets `over`, then
  // reads `in_flight`; the network thread counts an attempt into `in_flight`, then reads
  // `over` (both sequentially consistent). So either the caller sees the attempt and takes
  // the slow path (a post that withdraws what is still being written), or the attempt sees
  // `over` and never touches the caller's buffers. A first attempt that sees `over` only
  // happens on the slow path (the fast one needs every first attempt done), where the
  // caller still waits for the network thread, so it may still count itself failed.
  struct SendState {
    struct Attempt {
      size_t send = 0;  // index into sends
      std::weak_ptr<tcp::Link> on;
      uint64_t ticket = 0;
      bool done = false;
    };
    std::atomic<int> pending{0};               // first attempts not yet done
    int64_t round = 0;
    uint8_t kind = 0;
    std::vector<Outgoing> sends;               // the caller's buffers, valid until exchange returns
    std::vector<Attempt> attempts;             // network thread only: first attempts, then resends
    std::vector<int> failed;                   // network thread only (read after the last post)
    std::atomic<Clock::rep> all_sent{0};       // when pending reached 0 (Clock ticks)
    std::atomic<bool> over{false};             // the caller is ending the exchange
    std::atomic<int> in_flight{0};             // attempts started and not yet finished
  };

  explicit Impl(TcpOptions options_in);
  void log(const std::string& line) const;
  void start();
  void stop();
  asio::awaitable<void> accept_loop();
  asio::awaitable<void> respond(TcpSocket socket);
  asio::awaitable<void> dial_loop(int peer);
  asio::awaitable<std::shared_ptr<tcp::Link>> dial(int peer, std::string* why);
  std::shared_ptr<tcp::Link> make_link(TcpSocket socket, const SessionKeys& keys);
  void install(std::shared_ptr<tcp::Link> link);
  void send_attempt(const std::shared_ptr<SendState>& state, size_t send, const std::shared_ptr<tcp::Link>& link,
                    bool first);
  void resend_on(const std::shared_ptr<tcp::Link>& link);
  void on_closed(tcp::Link& link, const std::string& reason);
  void set_up(int peer, bool up);
  // Completion for spawned coroutines: an exception is logged, never thrown out of run().
  auto logged(std::string what) {
    return [this, what](std::exception_ptr error) {
      if (!error) return;
      try {
        std::rethrow_exception(error);
      } catch (const std::exception& exception) {
        log(what + ": " + exception.what());
      }
    };
  }

  TcpOptions options;
  PeerDirectory directory;
  tcp::LinkSettings settings;
  Inbox inbox;
  tcp::LinkCounters counters;
  std::atomic<uint64_t> links_up{0}, links_down{0}, refused{0};
  mutable std::mutex up_mutex;
  std::condition_variable up_changed;
  std::vector<uint8_t> up;  // by peer, under up_mutex: for threads other than the network one
  // Network-thread state; the io_context comes after everything its handlers use.
  asio::io_context io;
  Tcp::acceptor acceptor{io};
  std::vector<std::shared_ptr<tcp::Link>> links;           // by peer
  std::vector<std::unique_ptr<asio::steady_timer>> redial;  // by peer: wakes its dialer
  bool stopping = false;
  std::shared_ptr<SendState> active;  // network thread only: the exchange in progress, if any
  std::vector<std::map<uint8_t, int64_t>> last_sent;  // network thread only: by peer, kind -> round queued
  std::optional<tcp::HandshakeSlots> slots;  // network thread only; made in start()
  Clock::time_point last_refusal_log{};
  uint64_t refusals_unlogged = 0;
  void log_refusal(const std::string& address, const std::string& reason);
  asio::executor_work_guard<asio::io_context::executor_type> keep_running{io.get_executor()};
  std::thread thread;
};

}  // namespace gossip
