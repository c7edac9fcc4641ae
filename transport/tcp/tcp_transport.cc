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
  std::vector<Outgoing> sends(request.sends.begin(), request.sends.end());
  state->pending = static_cast<int>(sends.size());
  if (sends.empty()) state->all_sent = started.time_since_epoch().count();
  state->done.assign(sends.size(), 0);
  state->on.resize(sends.size());
  state->tickets.resize(sends.size());
  asio::post(s.io, [&s, state, sends, round = request.round, kind = request.kind] {
    for (size_t i = 0; i < sends.size(); ++i) {
      int peer = sends[i].peer;
      auto finish = [&s, state, i, peer](bool ok) {
        state->done[i] = 1;
        if (!ok) state->failed.push_back(peer);
        if (state->pending.load(std::memory_order_acquire) == 1) {
          state->all_sent.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        }
        state->pending.fetch_sub(1, std::memory_order_acq_rel);
        s.inbox.notify();
      };
      auto& link = s.links[peer];
      if (!link || link->closed()) {
        finish(false);
        continue;
      }
      state->on[i] = link;
      wire::MessageHeader header{wire::Control::kData, kind, sends[i].codec, static_cast<uint32_t>(s.options.self),
                                 round, sends[i].payload.size()};
      state->tickets[i] = link->send(header, sends[i].payload, finish);
    }
  });
  // Lock order: inbox, then up_mutex (set_up takes up_mutex alone, then notifies).
  auto unlinked = [&s](int peer) {
    std::lock_guard lock(s.up_mutex);
    return !s.up[peer];
  };
  s.inbox.wait(request.round, request.kind, request.receive_from, request.deadline,
               [&] { return state->pending.load(std::memory_order_acquire) == 0; },
               request.skip_unlinked ? std::function<bool(int)>(unlinked) : nullptr);
  if (state->pending.load(std::memory_order_acquire) != 0) {
    // A send still queued at the deadline is withdrawn; one being written would read the
    // caller's buffer after we return, so only then is its link closed (the peer missed
    // the round either way).
    std::promise<void> released;
    asio::post(s.io, [&] {
      for (size_t i = 0; i < sends.size(); ++i) {
        if (state->done[i]) continue;
        auto link = state->on[i].lock();
        if (link && !link->withdraw(state->tickets[i])) {
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
  const Clock::rep all_sent = state->all_sent.load(std::memory_order_relaxed);
  result.sending = all_sent ? Clock::time_point(Clock::duration(all_sent)) - started : Clock::now() - started;
  return result;
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
