// Every kind of message a peer sends, in one place: the transport carries the kind in each
// message's header and keeps one exchange per (round, kind), so two kinds of one round
// never mix. Values are on the wire: never renumber, only add.
#pragma once

#include <cstdint>

namespace gossip {

enum class MessageKind : uint8_t {
  kModel = 1,     // a peer's model x_i (DSGD), encoded by the algorithm's compressor
  kFinished = 2,  // the runtime's goodbye after the last round: empty
  kTracking = 3,  // gradient tracking: the model and its tracked direction, in one message
  kChoco = 4,     // CHOCO: the compressed change of the public copy, with resync flags
  kPushSum = 5,   // push-sum: the peer's weight and its (biased) model
  kDeviceSetup = 6,  // the runtime's: a device channel's id (NCCL), from the lower id of a link's two peers
};

constexpr uint8_t wire_kind(MessageKind kind) { return static_cast<uint8_t>(kind); }

}  // namespace gossip
