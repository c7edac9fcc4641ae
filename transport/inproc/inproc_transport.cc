#include "transport/inproc/inproc_transport.h"

#include <cstdint>
#include <cstring>

namespace gossip {

class InprocTransport : public Transport {
 public:
  InprocTransport(InprocHub& hub, int self) : hub_(hub), self_(self) {}
  int self() const override { return self_; }

  ExchangeResult exchange(const ExchangeRequest& request) override {
    Inbox& own = *hub_.inboxes_[self_];
    check_exchange_request(request, static_cast<int>(hub_.inboxes_.size()), SIZE_MAX);
    own.start_exchange(request.round, request.kind);
    for (const auto& send : request.sends) {
      if (!hub_.delivers(self_, send.peer, request.round)) continue;
      wire::MessageHeader header{wire::Control::kData, request.kind, send.codec, static_cast<uint32_t>(self_),
                                 request.round, send.payload.size()};
      Inbox& target = *hub_.inboxes_[send.peer];
      std::span<uint8_t> destination = target.acquire(self_, header);
      if (!destination.empty()) std::memcpy(destination.data(), send.payload.data(), send.payload.size());
      target.commit(self_, header);
      std::lock_guard lock(stats_mutex_);
      stats_.bytes_sent += send.payload.size();
    }
    own.wait(request.round, request.kind, request.receive_from, request.deadline, nullptr);
    return collect_exchange(own, request);
  }

  TransportStats stats() const override {
    std::lock_guard lock(stats_mutex_);
    TransportStats stats = stats_;
    hub_.inboxes_[self_]->add_counts(stats);
    return stats;
  }

 private:
  InprocHub& hub_;
  int self_;
  mutable std::mutex stats_mutex_;
  TransportStats stats_;
};

InprocHub::InprocHub(int peers, InboxLimits limits) {
  for (int i = 0; i < peers; ++i) inboxes_.push_back(std::make_unique<Inbox>(peers, limits));
}

void InprocHub::set_filter(Filter filter) {
  std::lock_guard lock(filter_mutex_);
  filter_ = std::move(filter);
}

bool InprocHub::delivers(int from, int to, int64_t round) {
  std::lock_guard lock(filter_mutex_);
  return !filter_ || filter_(from, to, round);
}

std::unique_ptr<Transport> InprocHub::transport(int peer) { return std::make_unique<InprocTransport>(*this, peer); }

}  // namespace gossip
