// The byte layout of frames on a link, after the handshake. Pure encoding, no I/O.
//
// A link carries records: an 8-byte little-endian body length, then the body. With
// encryption the body is AEAD ciphertext plus a 16-byte tag, the length is the
// associated data, and the nonce is the record's counter on that link and direction,
// so a replayed, reordered, altered or dropped record fails to open. A message is one
// header record (MessageHeader, 32 bytes plain) and then its payload in records of at
// most the chunk size each, in order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace gossip::wire {

constexpr std::size_t kLengthBytes = 8;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kHeaderBytes = 32;
constexpr uint32_t kHeaderMagic = 0x4d505347;  // "GSPM"
constexpr uint8_t kWireVersion = 1;

// What a message is for the transport itself; the layer above only sees kData. kAnnounce,
// sent first on a new link, says "the last message of `kind` I sent you was for `round`":
// one that died with the old link is then known not to be coming (no payload).
enum class Control : uint8_t { kData = 0, kKeepalive = 1, kAnnounce = 2 };

struct MessageHeader {
  Control control = Control::kData;
  uint8_t kind = 0;   // what the payload is, for the layer above (model, tracker, ...)
  uint8_t codec = 0;  // how it is encoded (raw floats, compressed, ...)
  uint32_t sender = 0;
  int64_t round = 0;
  uint64_t payload_bytes = 0;
};

void put_u32(uint8_t* out, uint32_t value);
void put_u64(uint8_t* out, uint64_t value);
uint32_t get_u32(const uint8_t* in);
uint64_t get_u64(const uint8_t* in);

// The bytes one message takes on a link: its header record and its payload in records of
// at most `chunk_bytes`, each record with its length and, when encrypted, its tag. What a
// transport counts in TransportStats, whichever transport it is.
std::size_t message_wire_bytes(std::size_t payload_bytes, std::size_t chunk_bytes, bool encrypted);

void encode_header(const MessageHeader& header, std::span<uint8_t, kHeaderBytes> out);
// Nothing, with the reason in `why`, for a wrong magic or version, an unknown control,
// or a negative round.
std::optional<MessageHeader> decode_header(std::span<const uint8_t, kHeaderBytes> in, std::string* why);

}  // namespace gossip::wire
