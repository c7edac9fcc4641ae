// Where received messages wait for the exchange that asks for them. Messages are keyed
// by (round, kind, sender): a late one (round already past) is dropped and counted, an
// early one is kept up to a bound, so a fast neighbour never mixes into the wrong round
// and a flood never grows memory without limit. Payload buffers are reused: after the
// first rounds, receiving allocates nothing model-sized.
//
// Thread-safe: the network side (acquire / commit / abort) and the exchange side
// (start_exchange / wait / take) run on different threads.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <tuple>
#include <vector>

#include "transport/transport.h"
#include "transport/wire.h"

namespace gossip {

struct InboxLimits {
  int max_early_rounds = 4;       // accept messages up to this many rounds ahead
  int max_buffered_per_peer = 32;  // messages held per sender, early ones included
  // Payload bytes one sender may hold here at once, received or pooled for reuse (0: no
  // bound): an authenticated but hostile neighbour flooding future rounds cannot grow the
  // peer past it. The runtime sets a small multiple of its largest message.
  std::size_t max_bytes_per_peer = 0;
  // The message kinds this run uses (empty: any); others are dropped at their header.
  std::vector<uint8_t> kinds = {};
  // A message its exchange missed is still taken up to this many rounds later and handed to
  // a later exchange of its kind (ExchangeResult::late), so a rule can make good a mix one
  // side missed (0: a late message is dropped).
  int late_rounds = 0;
};

class Inbox {
 public:
  // `first_round`: the round of the first exchange. A peer that resumes at round r must
  // say so, or its neighbours' round-r messages that arrive before its first exchange
  // would look too early and be dropped.
  Inbox(int peer_count, InboxLimits limits, int64_t first_round = 0);

  // Network side. acquire: where the payload of `header` goes, or empty to discard it
  // (late, too early, duplicate, over the bound). commit: the message is complete
  // (also for empty payloads, which never acquire). abort: the link died mid-message.
  std::span<uint8_t> acquire(uint32_t sender, const wire::MessageHeader& header);
  void commit(uint32_t sender, const wire::MessageHeader& header);
  void abort(uint32_t sender);
  // A new link from `sender`: what its previous connection said about its round no longer holds.
  void forget(uint32_t sender);
  // `sender`'s announce on a new link: its last message of `kind` went out before it, for
  // `round`; if it has not arrived, it is not coming.
  void announce(uint32_t sender, uint8_t kind, int64_t round);
  // The newest round in any header from `sender` since forget (-1: none), even of a
  // message that was dropped.
  int64_t newest_round(uint32_t sender) const;
  // Wakes a waiting exchange, e.g. because a send finished.
  void notify();

  // Exchange side. start_exchange returns the buffers lent by the last exchange of this
  // kind (other kinds' results stay valid) and drops everything older than `round`
  // (counted as late).
  void start_exchange(int64_t round, uint8_t kind);
  // Waits until every sender in `from` has a (round, kind) message, has sent a later round
  // (so this one is not coming), or is `excused`, and
  // `also()` holds (both checked under the inbox lock, so they must not call back into the
  // inbox), or until the deadline. Returns whether everything arrived. Whoever changes
  // what `excused` answers calls notify().
  bool wait(int64_t round, uint8_t kind, std::span<const int> from, Clock::time_point deadline,
            const std::function<bool()>& also, const std::function<bool(int)>& excused = nullptr);
  // Lends the message to the caller until the next start_exchange of its kind.
  std::optional<Incoming> take(int64_t round, uint8_t kind, uint32_t sender);
  // The exchange of (round, kind) missed `sender`: its message is still taken if it comes
  // within late_rounds, and given by take_late().
  void await_late(int64_t round, uint8_t kind, uint32_t sender);
  // Lends the awaited messages of `kind` for rounds before the current one that have come.
  std::vector<LateIncoming> take_late(uint8_t kind);

  void add_counts(TransportStats& stats) const;

 private:
  using Key = std::tuple<int64_t, uint8_t, uint32_t>;  // round, kind, sender
  using Buffer = std::unique_ptr<std::vector<uint8_t>>;
  struct Message {
    Key key;
    Buffer buffer;
    uint8_t codec = 0;
    Clock::time_point arrived{};
  };

  // Whether (round, kind, sender), older than the current round, is awaited and in the window.
  bool awaited(const Key& key) const;
  // Whether a message with this header may be stored; counts the reason if not.
  bool admit(uint32_t sender, const wire::MessageHeader& header);
  // Bytes a new buffer of `bytes` would add for `sender` over what it holds (its pool reused first).
  bool within_bytes(uint32_t sender, std::size_t bytes) const;
  Buffer take_free_buffer(uint32_t sender);
  // Moves a ready message to lent_ and returns the caller's view of it.
  Incoming lend(std::map<Key, Message>::iterator it);
  void release(uint32_t sender, Buffer buffer);

  const InboxLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int64_t current_round_ = 0;
  std::map<Key, Message> ready_;
  std::vector<std::optional<Message>> pending_;  // by sender: the message being received
  std::vector<std::vector<Buffer>> free_;        // by sender
  std::vector<int> held_;                        // by sender: ready + pending
  std::vector<int64_t> newest_;                  // by sender: newest round seen on its link
  std::vector<std::map<uint8_t, int64_t>> announced_;  // by sender: kind -> round sent before its link
  std::set<Key> awaited_;                        // missed by their exchange, within late_rounds
  std::vector<Message> lent_;
  std::vector<std::size_t> held_bytes_;          // by sender: payload bytes in ready + pending + free
  uint64_t late_ = 0, early_dropped_ = 0, duplicate_ = 0, unknown_kind_ = 0;
  static std::size_t bytes_of(const Buffer& buffer) { return buffer ? buffer->capacity() : 0; }
};

// Takes what arrived for `request` out of the inbox: received in receive_from order,
// the rest listed as missing. Shared by every transport.
ExchangeResult collect_exchange(Inbox& inbox, const ExchangeRequest& request);

// Whether the request itself says not to wait for `peer` (ExchangeRequest::dont_wait_for).
bool excused_by_request(const ExchangeRequest& request, int peer);

// Throws std::invalid_argument for a request no transport can carry out: a peer id out
// of range, a payload over the run's message limit.
void check_exchange_request(const ExchangeRequest& request, int peer_count, std::size_t max_message_bytes);

}  // namespace gossip
