// What every rule does with payloads: send one to every out-neighbour, and with what came in
// on a channel, pair the payloads (in in-neighbour order, only those that arrived) with the
// in-neighbours and decode them, refusing bytes of another codec or that do not decode; a
// refused neighbour counts as missing. And the checks the rules make of their settings.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "algorithms/algorithm.h"
#include "algorithms/compressor.h"
#include "algorithms/registry.h"

namespace gossip {

// The same bytes for every out-neighbour; `sends` is reused.
std::span<const Payload> send_to_all(const Neighbourhood& neighbourhood, Codec codec, std::span<const uint8_t> bytes,
                                     std::vector<Payload>& sends);

// Calls visit(slot, in-neighbour, payload or null) for every in-neighbour, in order.
template <typename Visit>
void for_each_arrival(const Neighbourhood& neighbourhood, std::span<const Payload> arrived, Visit&& visit) {
  std::size_t next = 0;
  for (std::size_t slot = 0; slot < neighbourhood.in.size(); ++slot) {
    const WeightedPeer& in = neighbourhood.in[slot];
    const Payload* payload = nullptr;
    if (next < arrived.size() && arrived[next].peer == in.peer) payload = &arrived[next++];
    visit(slot, in, payload);
  }
}

// The payload's `length` values, or nothing (and the peer added to report.rejected and
// report.missing) when its codec is not `compressor`'s or its bytes do not decode.
std::optional<std::span<const float>> decode_arrival(const Compressor& compressor, const Payload& payload,
                                                     std::size_t length, FloatBuffer& scratch, CombineReport& report);

// The rules' checks on the settings and W, each throwing ConfigError with the reason.
void require_identity_compressor(const AlgorithmContext& context, const char* why);
void require_doubly_stochastic(const AlgorithmContext& context);
void require_consensus_step(const AlgorithmContext& context);
void require_mean_aggregator(const AlgorithmContext& context, const char* why);

// The late window for a rule whose combine is the weighted mean (late_mix.h): the settings'
// late_rounds with the plain mean aggregator, 0 with any robust one.
int late_window(const AlgorithmContext& context);

// Adds scale (late - own) to `out` when `late` holds exactly out.size() finite values:
// a late neighbour's vector enters as the on-time mix would have had it. Returns whether it did.
bool add_late_difference(std::span<float> out, double scale, std::span<const float> late, std::span<const float> own);

}  // namespace gossip
