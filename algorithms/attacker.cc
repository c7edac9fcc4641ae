#include "algorithms/attack.h"

#include <algorithm>

#include "algorithms/message_seed.h"

namespace gossip {

Attacker::Heard& Attacker::heard(MessageKind kind) {
  auto found = std::find_if(heard_.begin(), heard_.end(), [&](const Heard& heard) { return heard.kind == kind; });
  if (found != heard_.end()) return *found;
  heard_.push_back({kind, {}, {}});
  return heard_.back();
}

std::span<const Payload> Attacker::outgoing(int64_t round, MessageKind kind, const Neighbourhood& neighbourhood,
                                            std::span<const Payload> honest) {
  if (!active(round)) return honest;
  // Its own stream, apart from the rule's (message_seed of another kind would collide).
  const uint64_t seed = splitmix64(message_seed(seed_, round, self_, kind) ^ 0x4279'7a61'6e74'696eULL);
  return attack_->rewrite({round, kind, neighbourhood, honest, heard(kind).payloads, seed});
}

void Attacker::hear(MessageKind kind, std::span<const Payload> arrived) {
  Heard& heard = this->heard(kind);
  heard.bytes.resize(arrived.size());
  heard.payloads.clear();
  for (std::size_t i = 0; i < arrived.size(); ++i) {
    heard.bytes[i].assign(arrived[i].bytes.begin(), arrived[i].bytes.end());
    heard.payloads.push_back({arrived[i].peer, arrived[i].codec, heard.bytes[i]});
  }
}

}  // namespace gossip
