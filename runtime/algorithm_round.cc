#include "runtime/algorithm_round.h"

#include <algorithm>
#include <optional>

namespace gossip {
namespace {

void add_once(std::vector<int>& peers, int peer) {
  if (std::find(peers.begin(), peers.end(), peer) == peers.end()) peers.push_back(peer);
}

// Keeps, per in-neighbour slot, the latest arrival of its payloads this round; a slot one
// of whose payloads did not come reports none.
void note_arrivals(const Neighbourhood& neighbourhood, const ExchangeResult& result, Clock::time_point started,
                   std::vector<Clock::duration>& arrival, std::vector<bool>& missed) {
  std::size_t next = 0;
  for (std::size_t slot = 0; slot < neighbourhood.in.size(); ++slot) {
    if (next < result.received.size() && result.received[next].peer == neighbourhood.in[slot].peer) {
      arrival[slot] = std::max(arrival[slot], result.received[next++].arrived - started);
    } else {
      missed[slot] = true;
    }
  }
}

}  // namespace

Neighbourhood neighbourhood_of(const MixingMatrix& weights, int self) {
  Neighbourhood neighbourhood{self, weights.self_weight(self), {}, {}};
  for (int peer : weights.in_neighbours(self)) neighbourhood.in.push_back({peer, weights.weight(self, peer)});
  for (int peer : weights.out_neighbours(self)) neighbourhood.out.push_back({peer, weights.weight(peer, self)});
  return neighbourhood;
}

RoundReport run_algorithm_round(Algorithm& algorithm, Transport& transport, RoundContext& context,
                                Clock::duration timeout, Attacker* attacker, std::span<const int> dont_wait_for) {
  RoundReport report;
  std::vector<int> receive_from;
  for (const WeightedPeer& in : context.neighbourhood.in) receive_from.push_back(in.peer);
  std::vector<Outgoing> sends;
  std::vector<Payload> arrived;
  std::vector<LatePayload> late;
  std::optional<Clock::time_point> deadline;
  Clock::time_point started{};
  std::vector<Clock::duration> arrival(context.neighbourhood.in.size(), Clock::duration::zero());
  std::vector<bool> missed(context.neighbourhood.in.size(), false);

  algorithm.begin_round(context);
  for (MessageKind kind : algorithm.channels()) {
    auto begin = Clock::now();
    if (!deadline) {
      deadline = begin + timeout;
      started = begin;
    }
    sends.clear();
    std::span<const Payload> payloads = algorithm.encode(kind, context);
    if (attacker) payloads = attacker->outgoing(context.round, kind, context.neighbourhood, payloads);
    for (const Payload& payload : payloads) {
      sends.push_back({payload.peer, payload.bytes, payload.codec});
      report.payload_bytes += payload.bytes.size();
    }
    report.coding += Clock::now() - begin;

    begin = Clock::now();
    ExchangeResult result =
        transport.exchange({context.round, wire_kind(kind), sends, receive_from, *deadline, true, dont_wait_for});
    report.exchange += Clock::now() - begin;
    report.sending += result.sending;

    begin = Clock::now();
    arrived.clear();
    for (const Incoming& incoming : result.received) arrived.push_back({incoming.peer, incoming.codec, incoming.payload});
    if (attacker) attacker->hear(kind, arrived);
    CombineReport combined = algorithm.combine(kind, context, arrived);
    if (!result.late.empty()) {
      late.clear();
      for (const LateIncoming& item : result.late) {
        late.push_back({item.round, {item.message.peer, item.message.codec, item.message.payload}});
      }
      for (int peer : algorithm.combine_late(kind, context, late)) add_once(report.late, peer);
    }
    report.coding += Clock::now() - begin;
    note_arrivals(context.neighbourhood, result, started, arrival, missed);
    for (int peer : combined.missing) add_once(report.missing, peer);
    for (int peer : combined.rejected) add_once(report.rejected, peer);
    for (const auto& ahead : result.ahead) report.ahead.push_back(ahead);
    for (const auto& behind : result.behind) report.behind.push_back(behind);
  }
  algorithm.end_round(context);
  for (std::size_t slot = 0; slot < arrival.size(); ++slot) {
    if (!missed[slot]) report.arrivals.push_back({context.neighbourhood.in[slot].peer, arrival[slot]});
  }
  std::sort(report.late.begin(), report.late.end());
  std::sort(report.missing.begin(), report.missing.end());
  std::sort(report.rejected.begin(), report.rejected.end());
  return report;
}

}  // namespace gossip
