#include "transport/tcp/tcp_transport.h"

#include <algorithm>
#include <future>

#include "transport/tcp/transport_impl.h"

namespace gossip {

TcpTransport::TcpTransport(TcpOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->start();
}

TcpTransport::~TcpTransport() { impl_->stop(); }

int TcpTransport::self() const { return impl_->options.self; }

std::vector<int> TcpTransport::linked_peers() const {
  std::lock_guard lock(impl_->up_mutex);
  std::vector<int> peers;
  for (size_t i = 0; i < impl_->up.size(); ++i) {
    if (impl_->up[i]) peers.push_back(static_cast<int>(i));
  }
  return peers;
}

std::vector<int> TcpTransport::wait_for_links(Clock::time_point deadline) {
  Impl& s = *impl_;
  std::unique_lock lock(s.up_mutex);
  auto down = [&] {
    std::vector<int> peers;
    for (int peer : s.options.neighbours) {
      if (!s.up[peer]) peers.push_back(peer);
    }
    return peers;
  };
  s.up_changed.wait_until(lock, deadline, [&] { return down().empty(); });
  return down();
}

ExchangeResult TcpTransport::exchange(const ExchangeRequest& request) {
  Impl& s = *impl_;
  check_exchange_request(request, static_cast<int>(s.options.peers.size()), s.options.max_message_bytes);
  s.inbox.start_exchange(request.round, request.kind);
  if (Clock::now() >= request.deadline) {
    // Too late to send anything (the caller overran its round): take what has arrived,
    // and leave the links alone rather than cut sends off halfway.
    ExchangeResult result = collect_exchange(s.inbox, request);
    for (const auto& send : request.sends) result.send_failed.push_back(send.peer);
    std::sort(result.send_failed.begin(), result.send_failed.end());
    return result;
  }
  const Clock::time_point started = Clock::now();
  auto state = std::make_shared<Impl::SendState>();
  state->round = request.round;
  state->kind = request.kind;
  state->sends.assign(request.sends.begin(), request.sends.end());
  state->pending = static_cast<int>(state->sends.size());
  if (state->sends.empty()) state->all_sent = started.time_since_epoch().count();
  if (!state->sends.empty()) {
    asio::post(s.io, [&s, state] {
      s.active = state;
      for (size_t i = 0; i < state->sends.size(); ++i) s.send_attempt(state, i, s.links[state->sends[i].peer], true);
    });
  }
  // Lock order: inbox, then up_mutex (set_up takes up_mutex alone, then notifies).
  auto unlinked = [&s](int peer) {
    std::lock_guard lock(s.up_mutex);
    return !s.up[peer];
  };
  auto excused = [&](int peer) {
    return excused_by_request(request, peer) || (request.skip_unlinked && unlinked(peer));
  };
  s.inbox.wait(request.round, request.kind, request.receive_from, request.deadline,
               [&] { return state->pending.load(std::memory_order_acquire) == 0; }, excused);
  // The fast end (see SendState): every send done and none being written. Otherwise every
  // attempt still queued is withdrawn; one being written would read the caller's buffer
  // after we return, so only then is its link closed (the peer missed the round either
  // way). Resends end here too: the exchange is over.
  state->over.store(true);
  if (state->pending.load() != 0 || state->in_flight.load() != 0) {
    std::promise<void> released;
    asio::post(s.io, [&] {
      s.active.reset();
      for (auto& attempt : state->attempts) {
        if (attempt.done) continue;
        auto link = attempt.on.lock();
        if (link && !link->withdraw(attempt.ticket)) {
          link->close("the send for round " + std::to_string(request.round) + " did not finish by the deadline");
        }
      }
      released.set_value();
    });
    released.get_future().wait();
  }
  ExchangeResult result = collect_exchange(s.inbox, request);
  result.send_failed = state->failed;
  std::sort(result.send_failed.begin(), result.send_failed.end());
  result.send_failed.erase(std::unique(result.send_failed.begin(), result.send_failed.end()), result.send_failed.end());
  const Clock::rep all_sent = state->all_sent.load(std::memory_order_relaxed);
  result.sending = all_sent ? Clock::time_point(Clock::duration(all_sent)) - started : Clock::now() - started;
  return result;
}

// Network thread. A first attempt counts towards `pending`; a resend only clears the
// peer from `failed` when it gets through.
void TcpTransport::Impl::send_attempt(const std::shared_ptr<SendState>& state, size_t send,
                                      const std::shared_ptr<tcp::Link>& link, bool first) {
  state->in_flight.fetch_add(1);
  if (state->over.load()) {
    if (first) {  // only on the slow end, whose caller waits for the network thread
      state->failed.push_back(state->sends[send].peer);
      state->pending.fetch_sub(1);
    }
    state->in_flight.fetch_sub(1);
    return;
  }
  const int peer = state->sends[send].peer;
  const size_t index = state->attempts.size();
  state->attempts.push_back({send, link, 0, false});
  auto finish = [this, state, index, peer, first](bool ok) {
    state->attempts[index].done = true;
    if (ok) {
      std::erase(state->failed, peer);
    } else if (first) {
      state->failed.push_back(peer);
    }
    if (first) {
      if (state->pending.load(std::memory_order_acquire) == 1) {
        state->all_sent.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
      }
      state->pending.fetch_sub(1, std::memory_order_acq_rel);
    }
    state->in_flight.fetch_sub(1);  // last: what it wrote above is visible to a caller that reads 0
    inbox.notify();
  };
  if (!link || link->closed()) {
    finish(false);
    return;
  }
  int64_t& last = last_sent[peer][state->kind];
  last = std::max(last, state->round);
  wire::MessageHeader header{wire::Control::kData, state->kind, state->sends[send].codec,
                             static_cast<uint32_t>(options.self), state->round, state->sends[send].payload.size()};
  state->attempts[index].ticket = link->send(header, state->sends[send].payload, finish);
}

// Network thread: a link to `link`'s peer came up during an exchange.
void TcpTransport::Impl::resend_on(const std::shared_ptr<tcp::Link>& link) {
  if (!active) return;
  for (size_t i = 0; i < active->sends.size(); ++i) {
    if (active->sends[i].peer == link->peer()) send_attempt(active, i, link, false);
  }
}

TransportStats TcpTransport::stats() const {
  TransportStats stats;
  stats.bytes_sent = impl_->counters.bytes_sent;
  stats.bytes_received = impl_->counters.bytes_received;
  stats.links_up = impl_->links_up;
  stats.links_down = impl_->links_down;
  stats.handshakes_refused = impl_->refused;
  impl_->inbox.add_counts(stats);
  return stats;
}

}  // namespace gossip
