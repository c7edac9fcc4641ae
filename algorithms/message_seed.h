// The randomness of one message (random-k's indices, QSGD's rounding), from the run seed
// and what identifies the message. A function of those alone, so a resumed run draws
// exactly what the uninterrupted one drew, and no compressor needs a checkpointed RNG.
#pragma once

#include <cstdint>

#include "algorithms/message_kind.h"
#include "common/splitmix64.h"

namespace gossip {

constexpr uint64_t message_seed(uint64_t run_seed, int64_t round, int sender, MessageKind kind) {
  uint64_t state = splitmix64(run_seed);
  state = splitmix64(state ^ static_cast<uint64_t>(round));
  state = splitmix64(state ^ static_cast<uint64_t>(static_cast<uint32_t>(sender)));
  return splitmix64(state ^ static_cast<uint64_t>(kind));
}

}  // namespace gossip
