// One round of an update rule at one peer, over any transport: the algorithm's phases with
// one exchange per message kind (algorithms/algorithm.h). The peer loop runs every round
// through it; so can anything else that owns a model and a transport (tests, bindings).
#pragma once

#include <utility>
#include <vector>

#include "algorithms/algorithm.h"
#include "algorithms/attack.h"
#include "topology/mixing_matrix.h"
#include "transport/transport.h"

namespace gossip {

struct RoundReport {
  std::vector<int> missing;   // in-neighbours left out of some combine of the round, ascending
  std::vector<int> rejected;  // of those, the ones whose bytes were not a valid message
  std::vector<std::pair<int, int64_t>> ahead;   // missing ones already past this round (ExchangeResult)
  std::vector<std::pair<int, int64_t>> behind;  // missing ones that sent only earlier rounds (ExchangeResult)
  Clock::duration sending{};   // of the exchanges: until the own sends finished
  Clock::duration exchange{};  // of the exchanges in all: sending and waiting for the neighbours
  Clock::duration coding{};    // encoding and combining
  uint64_t payload_bytes = 0;  // the payloads handed to the transport, before its framing
  std::vector<int> late;       // neighbours whose late payloads of earlier rounds the rule applied
  // For each in-neighbour whose payloads all came: how long after the round's first
  // exchange began the last of them came (zero when it was there before), for the deadline.
  std::vector<std::pair<int, Clock::duration>> arrivals;
};

// Row and column `self` of W, as the algorithm sees them.
Neighbourhood neighbourhood_of(const MixingMatrix& weights, int self);

// begin_round, then for each message kind encode, exchange (skipping unlinked neighbours)
// and combine, then end_round. Every exchange of the round shares one deadline, `timeout`
// after the first begins; none waits for the in-neighbours in `dont_wait_for` (their messages
// are taken if they came). A Byzantine peer's `attacker` rewrites what encode made before it
// is sent (and hears what arrives); the peer's own state goes on as an honest peer's.
RoundReport run_algorithm_round(Algorithm& algorithm, Transport& transport, RoundContext& context,
                                Clock::duration timeout, Attacker* attacker = nullptr,
                                std::span<const int> dont_wait_for = {});

}  // namespace gossip
