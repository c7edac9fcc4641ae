#include "transport/wire.h"

namespace gossip::wire {

void put_u32(uint8_t* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

void put_u64(uint8_t* out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

uint32_t get_u32(const uint8_t* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(in[i]) << (8 * i);
  return value;
}

uint64_t get_u64(const uint8_t* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(in[i]) << (8 * i);
  return value;
}

std::size_t message_wire_bytes(std::size_t payload_bytes, std::size_t chunk_bytes, bool encrypted) {
  const std::size_t records = 1 + (payload_bytes + chunk_bytes - 1) / chunk_bytes;
  return kHeaderBytes + payload_bytes + records * (kLengthBytes + (encrypted ? kTagBytes : 0));
}

// Layout: magic u32 | version u8 | control u8 | kind u8 | codec u8 | sender u32 |
// reserved u32 (zero) | round i64 | payload_bytes u64.
void encode_header(const MessageHeader& header, std::span<uint8_t, kHeaderBytes> out) {
  uint8_t* p = out.data();
  put_u32(p, kHeaderMagic);
  p[4] = kWireVersion;
  p[5] = static_cast<uint8_t>(header.control);
  p[6] = header.kind;
  p[7] = header.codec;
  put_u32(p + 8, header.sender);
  put_u32(p + 12, 0);
  put_u64(p + 16, static_cast<uint64_t>(header.round));
  put_u64(p + 24, header.payload_bytes);
}

std::optional<MessageHeader> decode_header(std::span<const uint8_t, kHeaderBytes> in, std::string* why) {
  const uint8_t* p = in.data();
  auto fail = [why](std::string reason) {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (get_u32(p) != kHeaderMagic) return fail("not a message header (bad magic)");
  if (p[4] != kWireVersion) return fail("wire version " + std::to_string(p[4]) + ", expected 1");
  if (p[5] > static_cast<uint8_t>(Control::kAnnounce)) return fail("unknown control " + std::to_string(p[5]));
  if (get_u32(p + 12) != 0) return fail("reserved header bytes are not zero");
  MessageHeader header;
  header.control = static_cast<Control>(p[5]);
  header.kind = p[6];
  header.codec = p[7];
  header.sender = get_u32(p + 8);
  header.round = static_cast<int64_t>(get_u64(p + 16));
  header.payload_bytes = get_u64(p + 24);
  if (header.round < 0) return fail("negative round " + std::to_string(header.round));
  return header;
}

}  // namespace gossip::wire
