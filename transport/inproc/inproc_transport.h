// An in-process transport for unit tests of the layers above: peers are threads (or one
// thread calling each in turn), messages are copied straight into the receiver's inbox.
// It keeps the whole Transport contract (send_failed, ahead, skip_unlinked, link status,
// wire byte counts as a TCP link would count them), and adds what a test needs to fail a
// network on purpose: a filter that loses messages, links cut and restored, and outages
// scripted by round so that what goes missing is exact whatever the threads' timing.
// Never used by the product path.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "transport/inbox.h"
#include "transport/transport.h"

namespace gossip {

struct InprocOptions {
  InboxLimits inbox;
  // Only for the byte counts: what a TCP link with these settings would carry.
  std::size_t chunk_bytes = std::size_t{256} << 10;
  bool encrypted = true;
};

class InprocHub {
 public:
  explicit InprocHub(int peers, InprocOptions options = {});

  // A peer's transport, linked to `neighbours` (empty: every other peer). A link is up
  // while both ends have a transport and the link is neither cut nor in an outage; a new
  // transport of a peer (a restart) starts with an empty inbox at `first_round`.
  // Throws std::logic_error while the peer still has a transport.
  std::unique_ptr<Transport> transport(int peer, std::vector<int> neighbours = {}, int64_t first_round = 0);
  // One transport per peer, made together, so every link is up from the first exchange.
  std::vector<std::unique_ptr<Transport>> transports();

  // Returns false to lose the message from -> to of that round; the link stays up, so
  // the receiver waits for it until its deadline (a message lost in the network).
  using Filter = std::function<bool(int from, int to, int64_t round)>;
  void set_filter(Filter filter);
  // Cuts the link between a and b (both directions) or restores it, as a cable would.
  void set_link(int a, int b, bool up);
  // Returns true while the link between a and b (a < b) is down for exchanges of that
  // round: both ends see it down for exactly those rounds, however far apart they run.
  using Outage = std::function<bool(int a, int b, int64_t round)>;
  void set_outage(Outage outage);

 private:
  friend class InprocTransport;
  struct Endpoint {
    Endpoint(int peers, InboxLimits limits, int64_t first_round) : inbox(peers, limits, first_round) {}
    Inbox inbox;
    std::atomic<uint64_t> bytes_received{0};
  };
  void attach(int peer, std::shared_ptr<Endpoint> endpoint);
  void detach(int peer);
  // Whether a and b are linked for an exchange of `round`; the endpoint of b when they are.
  std::shared_ptr<Endpoint> linked(int a, int b, int64_t round) const;
  // The same rule, for callers that hold mutex_.
  bool up_locked(int a, int b, int64_t round) const;
  std::vector<int> down_locked(int peer, std::span<const int> neighbours, int64_t round) const;
  bool delivers(int from, int to, int64_t round) const;
  // After a link changed: a new link forgets what the old one said, waiters look again.
  void links_changed(int a, int b, bool came_up);
  std::size_t wire_bytes(std::size_t payload_bytes) const;

  const int peers_;
  const InprocOptions options_;
  // Guards everything below. Lock order: an inbox's lock, then this one (skip_unlinked asks
  // linked() under the inbox lock), so nothing here calls into an inbox while holding it.
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::shared_ptr<Endpoint>> endpoints_;  // by peer; null while it has no transport
  std::set<std::pair<int, int>> cut_;                  // (a, b) with a < b
  Filter filter_;
  Outage outage_;
};

}  // namespace gossip
