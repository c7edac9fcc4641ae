#include "transport/inproc/inproc_transport.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "transport/wire.h"

namespace gossip {

class InprocTransport : public Transport {
 public:
  InprocTransport(InprocHub& hub, int self, std::vector<int> neighbours, int64_t first_round)
      : hub_(hub),
        self_(self),
        neighbours_(std::move(neighbours)),
        endpoint_(std::make_shared<InprocHub::Endpoint>(hub.peers_, hub.options_.inbox, first_round)),
        round_(first_round) {
    hub_.attach(self_, endpoint_);
  }
  ~InprocTransport() override { hub_.detach(self_); }

  int self() const override { return self_; }

  ExchangeResult exchange(const ExchangeRequest& request) override {
    check_exchange_request(request, hub_.peers_, SIZE_MAX);
    Inbox& own = endpoint_->inbox;
    own.start_exchange(request.round, request.kind);
    round_ = std::max<int64_t>(round_, request.round);
    const Clock::time_point started = Clock::now();
    std::vector<int> failed;
    if (started >= request.deadline) {
      // As over TCP: too late to send anything.
      for (const auto& send : request.sends) failed.push_back(send.peer);
    } else {
      for (const auto& send : request.sends) deliver(request, send, failed);
    }
    const Clock::duration sending = Clock::now() - started;
    auto excused = [&](int peer) {
      return excused_by_request(request, peer) || (request.skip_unlinked && !hub_.linked(self_, peer, request.round));
    };
    own.wait(request.round, request.kind, request.receive_from, request.deadline, nullptr, excused);
    ExchangeResult result = collect_exchange(own, request);
    std::sort(failed.begin(), failed.end());
    result.send_failed = std::move(failed);
    result.sending = sending;
    return result;
  }

  TransportStats stats() const override {
    TransportStats stats;
    stats.bytes_sent = bytes_sent_;
    stats.bytes_received = endpoint_->bytes_received;
    endpoint_->inbox.add_counts(stats);
    return stats;
  }

  std::vector<int> linked_peers() const override {
    std::vector<int> linked;
    for (int peer : neighbours_) {
      if (hub_.linked(self_, peer, round_)) linked.push_back(peer);
    }
    std::sort(linked.begin(), linked.end());
    return linked;
  }

  std::vector<int> wait_for_links(Clock::time_point deadline) override {
    std::unique_lock lock(hub_.mutex_);
    hub_.changed_.wait_until(lock, deadline, [&] { return hub_.down_locked(self_, neighbours_, round_).empty(); });
    return hub_.down_locked(self_, neighbours_, round_);
  }

 private:
  // Copies one send into the receiver's inbox, or records why it could not go.
  void deliver(const ExchangeRequest& request, const Outgoing& send, std::vector<int>& failed) {
    std::shared_ptr<InprocHub::Endpoint> target = hub_.linked(self_, send.peer, request.round);
    if (!target) {
      failed.push_back(send.peer);
      return;
    }
    const std::size_t wire_bytes = hub_.wire_bytes(send.payload.size());
    bytes_sent_ += wire_bytes;
    if (!hub_.delivers(self_, send.peer, request.round)) return;
    target->bytes_received += wire_bytes;
    wire::MessageHeader header{wire::Control::kData, request.kind, send.codec, static_cast<uint32_t>(self_),
                               request.round, send.payload.size()};
    std::span<uint8_t> destination = target->inbox.acquire(self_, header);
    if (!destination.empty()) std::memcpy(destination.data(), send.payload.data(), send.payload.size());
    target->inbox.commit(self_, header);
  }

  InprocHub& hub_;
  const int self_;
  const std::vector<int> neighbours_;
  std::shared_ptr<InprocHub::Endpoint> endpoint_;
  std::atomic<int64_t> round_;  // of the newest exchange: the round its link status is for
  std::atomic<uint64_t> bytes_sent_{0};
};

InprocHub::InprocHub(int peers, InprocOptions options) : peers_(peers), options_(options), endpoints_(peers) {}

std::unique_ptr<Transport> InprocHub::transport(int peer, std::vector<int> neighbours, int64_t first_round) {
  if (peer < 0 || peer >= peers_) {
    throw std::invalid_argument("inproc: peer " + std::to_string(peer) + " outside 0.." + std::to_string(peers_ - 1));
  }
  if (neighbours.empty()) {
    for (int other = 0; other < peers_; ++other) {
      if (other != peer) neighbours.push_back(other);
    }
  }
  return std::make_unique<InprocTransport>(*this, peer, std::move(neighbours), first_round);
}

std::vector<std::unique_ptr<Transport>> InprocHub::transports() {
  std::vector<std::unique_ptr<Transport>> all;
  for (int peer = 0; peer < peers_; ++peer) all.push_back(transport(peer));
  return all;
}

void InprocHub::attach(int peer, std::shared_ptr<Endpoint> endpoint) {
  {
    std::lock_guard lock(mutex_);
    if (endpoints_[peer]) throw std::logic_error("inproc: peer " + std::to_string(peer) + " already has a transport");
    endpoints_[peer] = std::move(endpoint);
  }
  for (int other = 0; other < peers_; ++other) {
    if (other != peer) links_changed(peer, other, true);
  }
}

void InprocHub::detach(int peer) {
  {
    std::lock_guard lock(mutex_);
    endpoints_[peer].reset();
  }
  for (int other = 0; other < peers_; ++other) {
    if (other != peer) links_changed(peer, other, false);
  }
}

void InprocHub::set_filter(Filter filter) {
  std::lock_guard lock(mutex_);
  filter_ = std::move(filter);
}

void InprocHub::set_link(int a, int b, bool up) {
  {
    std::lock_guard lock(mutex_);
    const std::pair key{std::min(a, b), std::max(a, b)};
    if (up) {
      cut_.erase(key);
    } else {
      cut_.insert(key);
    }
  }
  links_changed(a, b, up);
}

void InprocHub::set_outage(Outage outage) {
  {
    std::lock_guard lock(mutex_);
    outage_ = std::move(outage);
  }
  for (int a = 0; a < peers_; ++a) {
    for (int b = a + 1; b < peers_; ++b) links_changed(a, b, false);
  }
}

bool InprocHub::up_locked(int a, int b, int64_t round) const {
  const std::pair key{std::min(a, b), std::max(a, b)};
  if (!endpoints_[a] || !endpoints_[b] || cut_.count(key)) return false;
  return !outage_ || !outage_(key.first, key.second, round);
}

std::shared_ptr<InprocHub::Endpoint> InprocHub::linked(int a, int b, int64_t round) const {
  std::lock_guard lock(mutex_);
  return up_locked(a, b, round) ? endpoints_[b] : nullptr;
}

std::vector<int> InprocHub::down_locked(int peer, std::span<const int> neighbours, int64_t round) const {
  std::vector<int> down;
  for (int other : neighbours) {
    if (!up_locked(peer, other, round)) down.push_back(other);
  }
  std::sort(down.begin(), down.end());
  return down;
}

bool InprocHub::delivers(int from, int to, int64_t round) const {
  std::lock_guard lock(mutex_);
  return !filter_ || filter_(from, to, round);
}

void InprocHub::links_changed(int a, int b, bool came_up) {
  std::shared_ptr<Endpoint> ends[2];
  {
    std::lock_guard lock(mutex_);
    ends[0] = endpoints_[a];
    ends[1] = endpoints_[b];
    changed_.notify_all();
  }
  // As a TCP link does when it is replaced: what the old link said about the peer's
  // round no longer holds.
  if (came_up && ends[0]) ends[0]->inbox.forget(static_cast<uint32_t>(b));
  if (came_up && ends[1]) ends[1]->inbox.forget(static_cast<uint32_t>(a));
  for (const auto& end : ends) {
    if (end) end->inbox.notify();
  }
}

std::size_t InprocHub::wire_bytes(std::size_t payload_bytes) const {
  return wire::message_wire_bytes(payload_bytes, options_.chunk_bytes, options_.encrypted);
}

}  // namespace gossip
