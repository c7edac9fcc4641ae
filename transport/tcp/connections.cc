// Listening, dialing and handshakes of the TCP transport: links coming and going.
// Runs on the network thread; the state lives in transport_impl.h.
#include <asio/experimental/as_tuple.hpp>
#include <algorithm>
#include <cstdio>
#include <future>

#include "transport/tcp/transport_impl.h"

namespace gossip {
namespace {

constexpr auto use_nothrow = asio::experimental::as_tuple(asio::use_awaitable);

// Closes the socket if the handshake is not done in time, so a client that connects and
// sends nothing costs one timer, never a blocked accept loop.
class Watchdog {
 public:
  Watchdog(asio::any_io_executor executor, TcpSocket socket, std::chrono::milliseconds timeout)
      : timer_(std::make_shared<asio::steady_timer>(executor, timeout)) {
    timer_->async_wait([socket](std::error_code error) {
      if (!error) socket->close(error);
    });
  }
  ~Watchdog() { timer_->cancel(); }
  bool expired() const { return timer_->expiry() <= std::chrono::steady_clock::now(); }

 private:
  std::shared_ptr<asio::steady_timer> timer_;
};

std::string address_of(const Tcp::socket& socket) {
  std::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  return error ? std::string("?") : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

TcpTransport::Impl::Impl(TcpOptions options_in)
    : options(std::move(options_in)),
      settings{static_cast<uint32_t>(options.self), options.max_message_bytes, options.chunk_bytes,
               options.batch_bytes,  options.keepalive_interval, options.dead_after,
               options.max_records_per_key, options.max_bytes_per_key},
      inbox(static_cast<int>(options.peers.size()), options.inbox, options.first_round),
      up(options.peers.size(), 0),
      links(options.peers.size()),
      redial(options.peers.size()),
      last_sent(options.peers.size()) {
  const int n = static_cast<int>(options.peers.size());
  if (options.self < 0 || options.self >= n) throw std::invalid_argument("tcp transport: self id out of range");
  directory.self = static_cast<uint32_t>(options.self);
  directory.identity = options.identity;
  directory.run_id = options.run_id;
  directory.mode = options.plaintext ? LinkMode::kPlaintext : LinkMode::kEncrypted;
  directory.may_link.assign(n, 0);
  for (const auto& peer : options.peers) directory.public_keys.push_back(peer.public_key);
  for (int peer : options.neighbours) {
    if (peer < 0 || peer >= n || peer == options.self) throw std::invalid_argument("tcp transport: bad neighbour id");
    if (!directory.public_keys[peer]) {
      throw std::runtime_error("peer " + std::to_string(peer) + " has no public key in the topology file (run gossip keygen --update)");
    }
    directory.may_link[peer] = 1;
  }
}

void TcpTransport::Impl::log(const std::string& line) const {
  if (options.log) {
    options.log(line);
  } else {
    std::fprintf(stderr, "[peer %d] %s\n", options.self, line.c_str());
  }
}
void TcpTransport::Impl::start() {
  const TcpPeer& me = options.peers[options.self];
  std::string host = options.bind_host.empty() ? me.host : options.bind_host;
  try {
    Tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, std::to_string(me.port), Tcp::resolver::passive);
    Tcp::endpoint endpoint = endpoints.begin()->endpoint();
    acceptor.open(endpoint.protocol());
    acceptor.set_option(Tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
  } catch (const std::system_error& error) {
    throw std::runtime_error("peer " + std::to_string(options.self) + " cannot listen on " + host + ":" +
                             std::to_string(me.port) + ": " + error.code().message());
  }
  if (options.plaintext) {
    log("WARNING: PLAINTEXT MODE: links are authenticated but NOT encrypted or integrity-protected; "
        "for measurement only");
  }
  // The addresses neighbours dial from (the higher ids dial): their handshake slots are kept.
  std::map<std::string, int> neighbour_addresses;
  for (int peer : options.neighbours) {
    if (peer <= options.self) continue;
    std::error_code error;
    Tcp::resolver resolver(io);
    auto found = resolver.resolve(options.peers[peer].host, "0", error);
    if (!error && !found.empty()) ++neighbour_addresses[found.begin()->endpoint().address().to_string()];
  }
  slots.emplace(options.max_handshakes, options.max_handshakes_per_address, std::move(neighbour_addresses));
  asio::co_spawn(io, accept_loop(), logged("accepting stopped"));
  for (int peer : options.neighbours) {
    redial[peer] = std::make_unique<asio::steady_timer>(io);
    if (peer < options.self) {  // the higher id dials
      asio::co_spawn(io, dial_loop(peer), logged("dialing peer " + std::to_string(peer) + " stopped"));
    }
  }
  thread = std::thread([this] { io.run(); });
}

void TcpTransport::Impl::stop() {
  std::promise<void> closed;
  asio::post(io, [this, &closed] {
    stopping = true;
    std::error_code ignored;
    acceptor.close(ignored);
    for (auto& link : links) {
      if (link) link->close("shutting down");
    }
    for (auto& timer : redial) {
      if (timer) timer->cancel();
    }
    closed.set_value();
  });
  closed.get_future().wait();
  keep_running.reset();
  io.stop();
  thread.join();
}

std::string ip_of(const Tcp::socket& socket) {
  std::error_code error;
  auto endpoint = socket.remote_endpoint(error);
  return error ? std::string("?") : endpoint.address().to_string();
}

void TcpTransport::Impl::log_refusal(const std::string& address, const std::string& reason) {
  ++refused;
  // At most one line a second, so a flood of bad connections cannot flood the log.
  auto now = Clock::now();
  if (now - last_refusal_log >= std::chrono::seconds(1)) {
    std::string more = refusals_unlogged ? " (and " + std::to_string(refusals_unlogged) + " more refused)" : "";
    log("refused connection from " + address + ": " + reason + more);
    last_refusal_log = now;
    refusals_unlogged = 0;
  } else {
    ++refusals_unlogged;
  }
}

asio::awaitable<void> TcpTransport::Impl::accept_loop() {
  using namespace std::chrono_literals;
  asio::steady_timer pause(io);
  std::chrono::milliseconds backoff = 50ms;
  while (!stopping) {
    auto [error, socket] = co_await acceptor.async_accept(use_nothrow);
    if (stopping) co_return;
    if (error) {
      // Out of descriptors, say: the connection stays in the backlog and accept would
      // fail again at once, so wait instead of spinning.
      log("accept failed: " + error.message() + "; pausing " + std::to_string(backoff.count()) + " ms");
      pause.expires_after(backoff);
      co_await pause.async_wait(use_nothrow);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
      continue;
    }
    backoff = 50ms;
    const std::string address = ip_of(socket);
    std::string why;
    if (!slots->admit(address, &why)) {
      log_refusal(address, why);
      std::error_code ignored;
      socket.close(ignored);
      continue;
    }
    asio::co_spawn(io, respond(std::make_shared<Tcp::socket>(std::move(socket))),
                   [this, address, report = logged("a handshake failed")](std::exception_ptr error) {
                     slots->release(address);
                     report(error);
                   });
  }
}

asio::awaitable<void> TcpTransport::Impl::respond(TcpSocket socket) {
  std::string address = address_of(*socket);
  Watchdog watchdog(io.get_executor(), socket, options.handshake_timeout);
  ResponderHandshake handshake(directory);
  std::string why;
  auto refuse = [&](const std::string& reason) {
    log_refusal(address, reason);
    std::error_code ignored;
    socket->close(ignored);
  };
  std::vector<uint8_t> hello(kHelloBytes);
  std::error_code read_error;
  bool hello_late = false;
  {
    Watchdog hello_watchdog(io.get_executor(), socket, options.hello_timeout);
    std::tie(read_error, std::ignore) = co_await asio::async_read(*socket, asio::buffer(hello), use_nothrow);
    hello_late = hello_watchdog.expired();
  }
  if (read_error) {
    refuse(hello_late ? "no hello within " + std::to_string(options.hello_timeout.count()) + " ms"
                      : watchdog.expired() ? "no handshake within the timeout" : "closed during the handshake");
    co_return;
  }
  auto reply = handshake.on_hello(hello, &why);
  if (!reply) {
    refuse(why);
    co_return;
  }
  auto [write_error, written] = co_await asio::async_write(*socket, asio::buffer(*reply), use_nothrow);
  std::vector<uint8_t> finish(kFinishBytes);
  auto [finish_error, finish_bytes] = co_await asio::async_read(*socket, asio::buffer(finish), use_nothrow);
  if (write_error || finish_error) {
    refuse("peer " + std::to_string(handshake.keys().peer) + " did not finish the handshake");
    co_return;
  }
  if (!handshake.on_finish(finish, &why)) {
    refuse(why);
    co_return;
  }
  if (stopping) co_return;
  // A second connection authenticated as a peer that already has a live link is refused and
  // the established link kept: a stolen key or a duplicate process elsewhere must not knock
  // the real peer off again and again. A restarted peer gets through once its old link is
  // seen dead (closed by its exit, or silent for dead_after); its dialer retries until then.
  const int peer = static_cast<int>(handshake.keys().peer);
  if (links[peer] && !links[peer]->closed()) {
    refuse("a second connection authenticated as peer " + std::to_string(peer) + "; keeping its live link from " +
           links[peer]->remote_address());
    co_return;
  }
  install(make_link(socket, handshake.keys()));
}

asio::awaitable<std::shared_ptr<tcp::Link>> TcpTransport::Impl::dial(int peer, std::string* why) {
  const TcpPeer& target = options.peers[peer];
  Tcp::resolver resolver(io);
  auto [resolve_error, endpoints] =
      co_await resolver.async_resolve(target.host, std::to_string(target.port), use_nothrow);
  if (resolve_error) {
    *why = "cannot resolve " + target.host + ": " + resolve_error.message();
    co_return nullptr;
  }
  auto socket = std::make_shared<Tcp::socket>(io);
  Watchdog watchdog(io.get_executor(), socket, options.handshake_timeout);
  auto [connect_error, endpoint] = co_await asio::async_connect(*socket, endpoints, use_nothrow);
  if (connect_error) {
    *why = connect_error.message();
    co_return nullptr;
  }
  InitiatorHandshake handshake(directory, static_cast<uint32_t>(peer));
  std::vector<uint8_t> hello = handshake.hello();
  auto [write_error, written] = co_await asio::async_write(*socket, asio::buffer(hello), use_nothrow);
  std::vector<uint8_t> reply(kReplyBytes);
  auto [read_error, read_bytes] = co_await asio::async_read(*socket, asio::buffer(reply), use_nothrow);
  if (write_error || read_error) {
    *why = "handshake cut off (" + (write_error ? write_error : read_error).message() +
           "); the peer may have refused this peer, see its log";
    co_return nullptr;
  }
  auto finish = handshake.on_reply(reply, why);
  if (!finish) {
    ++refused;
    co_return nullptr;
  }
  auto [finish_error, finish_bytes] = co_await asio::async_write(*socket, asio::buffer(*finish), use_nothrow);
  if (finish_error) {
    *why = "handshake cut off: " + finish_error.message();
    co_return nullptr;
  }
  co_return make_link(socket, handshake.keys());
}

asio::awaitable<void> TcpTransport::Impl::dial_loop(int peer) {
  using namespace std::chrono_literals;
  std::chrono::milliseconds backoff = 50ms;
  std::string last_reason;
  while (!stopping) {
    if (links[peer] && !links[peer]->closed()) {
      redial[peer]->expires_at(std::chrono::steady_clock::time_point::max());
      co_await redial[peer]->async_wait(use_nothrow);
      backoff = 50ms;
      continue;
    }
    std::string why;
    std::shared_ptr<tcp::Link> link;
    try {
      link = co_await dial(peer, &why);
    } catch (const std::exception& error) {
      why = error.what();
    }
    if (stopping) co_return;
    if (link) {
      install(link);
      last_reason.clear();
      continue;
    }
    if (why != last_reason) {  // once per kind of failure, not once per retry
      const TcpPeer& target = options.peers[peer];
      log("cannot link to peer " + std::to_string(peer) + " at " + target.host + ":" + std::to_string(target.port) +
          " yet: " + why + "; retrying");
      last_reason = why;
    }
    redial[peer]->expires_after(backoff);
    co_await redial[peer]->async_wait(use_nothrow);
    backoff = std::min(backoff * 2, options.max_dial_backoff);
  }
}

std::shared_ptr<tcp::Link> TcpTransport::Impl::make_link(TcpSocket socket, const SessionKeys& keys) {
  return std::make_shared<tcp::Link>(std::move(*socket), keys, settings, inbox, counters,
                                     [this](tcp::Link& link, const std::string& reason) { on_closed(link, reason); });
}

void TcpTransport::Impl::install(std::shared_ptr<tcp::Link> link) {
  int peer = link->peer();
  if (links[peer] && !links[peer]->closed()) links[peer]->close("replaced by a new connection from the same peer");
  links[peer] = link;
  inbox.forget(static_cast<uint32_t>(peer));
  ++links_up;
  set_up(peer, true);
  log("link to peer " + std::to_string(peer) + " at " + link->remote_address() + " up (" +
      (options.plaintext ? "PLAINTEXT" : "encrypted") + ")");
  link->start();
  // The current exchange's sends again, then what was sent before this link, in that
  // order (links are FIFO): by the time the announce arrives, whatever is coming has come.
  resend_on(link);
  for (const auto& [kind, round] : last_sent[peer]) link->announce(kind, round);
  inbox.notify();
}

void TcpTransport::Impl::on_closed(tcp::Link& link, const std::string& reason) {
  int peer = link.peer();
  ++links_down;
  if (!stopping) log("link to peer " + std::to_string(peer) + " at " + link.remote_address() + " closed: " + reason);
  if (links[peer].get() == &link) {
    links[peer].reset();
    set_up(peer, false);
    if (redial[peer]) redial[peer]->cancel();
  }
}

void TcpTransport::Impl::set_up(int peer, bool value) {
  {
    std::lock_guard lock(up_mutex);
    up[peer] = value;
    up_changed.notify_all();
  }
  inbox.notify();  // an exchange that skips unlinked peers may be waiting on this one
}

}  // namespace gossip
