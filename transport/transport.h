// The transport seam: "send these buffers to these neighbours for round r, and give me
// what my in-neighbours sent for round r by this deadline", and which links are up.
// Implementations: tcp/ (the product path: authenticated, encrypted TCP) and inproc/ (unit
// tests of the layers above). tests/transport/transport_contract_test.cc holds every
// implementation to the same contract.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace gossip {

using Clock = std::chrono::steady_clock;

struct Outgoing {
  int peer = 0;
  std::span<const uint8_t> payload;  // must stay valid until exchange() returns
  uint8_t codec = 0;
};

struct ExchangeRequest {
  int64_t round = 0;
  uint8_t kind = 0;                   // what the payloads are (model, tracker, ...): one exchange per kind
  std::span<const Outgoing> sends;
  std::span<const int> receive_from;  // in-neighbours whose message for (round, kind) we wait for
  Clock::time_point deadline;
  // Do not wait for an in-neighbour that has no live link: it is reported missing at once
  // instead of at the deadline, so a crashed neighbour costs a round nothing. Only for
  // callers that first waited for their links (at start-up none is up yet).
  bool skip_unlinked = false;
  // In-neighbours of receive_from whose messages are taken if they have come once the others'
  // have, but never waited for: a neighbour that missed its last round and has sent nothing
  // since is likely still stalled, and waiting for it would stall this peer too.
  std::span<const int> dont_wait_for = {};
};

struct Incoming {
  int peer = 0;
  uint8_t codec = 0;
  std::span<const uint8_t> payload;  // valid until the next exchange() of the same kind
  Clock::time_point arrived{};       // when its last byte came
};

// A message that missed the exchange of its round and came later (InboxLimits::late_rounds).
struct LateIncoming {
  int64_t round = 0;  // the round it was sent for, before the exchange's
  Incoming message;
};

struct ExchangeResult {
  std::vector<Incoming> received;  // in receive_from order, only those that arrived
  // Messages of this kind that earlier exchanges missed and that have come since, oldest
  // round first: what a rule needs to make good a mix that only one side of a link made.
  std::vector<LateIncoming> late;
  std::vector<int> missing;        // in-neighbours whose message did not arrive by the deadline
  std::vector<int> send_failed;    // neighbours the send did not reach (no link, or not done by the deadline)
  Clock::duration sending{};       // from the call until the last send finished: the rest was waiting
  // Missing in-neighbours that have already sent a later round (peer, newest round): they
  // moved on without this peer, e.g. while it restarted. Never waited for.
  std::vector<std::pair<int, int64_t>> ahead;
  // Missing in-neighbours whose link has carried only earlier rounds (peer, newest round):
  // alive but behind, e.g. the other side of a partition that healed.
  std::vector<std::pair<int, int64_t>> behind;
};

struct TransportStats {
  uint64_t bytes_sent = 0;      // on the wire: framing, tags and payload
  uint64_t bytes_received = 0;
  uint64_t messages_late = 0;   // for a round already past: dropped
  uint64_t messages_early_dropped = 0;  // too far ahead, or over the buffering bound
  uint64_t messages_duplicate = 0;
  uint64_t messages_unknown_kind = 0;  // a kind the run does not use: dropped at its header
  uint64_t inbox_bytes = 0;            // payload buffers held now for all senders, pooled ones included
  uint64_t links_up = 0;        // handshakes completed, reconnections included
  uint64_t links_down = 0;
  uint64_t handshakes_refused = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int self() const = 0;
  // Sends, then waits until every peer in receive_from delivered its (round, kind)
  // message and every send finished, or until the deadline. A send still queued at the
  // deadline is withdrawn; one half-written closes its link (the caller's buffer is free
  // when this returns). Called from one thread at a time; rounds never decrease. Throws
  // std::invalid_argument for a peer out of range or a payload over the message limit.
  virtual ExchangeResult exchange(const ExchangeRequest& request) = 0;
  virtual TransportStats stats() const = 0;

  // Link status. The peers this one has a live link to now, ascending: only neighbours
  // (the peers the topology links it to, in either direction) ever have one.
  virtual std::vector<int> linked_peers() const = 0;
  // Waits until every neighbour is linked, or until the deadline; returns the neighbours
  // still without a link, ascending (empty: all linked).
  virtual std::vector<int> wait_for_links(Clock::time_point deadline) = 0;
};

}  // namespace gossip
