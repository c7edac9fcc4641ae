// libFuzzer target for the frame layer, the first code that sees a peer's bytes after the
// handshake. Two modes, chosen by the input:
//
// - raw: the bytes are a socket stream, fed to FrameDecoder exactly as Link::read_loop
//   does (fill next_read(), consume()). Reaches every plaintext state and the encrypted
//   header check, and proves no input crashes, allocates past the limits or hangs.
// - round trip: payloads from the input are encoded with FrameEncoder, one byte of the
//   stream may be flipped, and the stream is decoded. Random bytes never carry a valid
//   tag, so this is how the encrypted payload states are reached at all; it also checks
//   that what arrives is what was sent, and that a flipped byte is always detected.
//
// Input layout (a fixed prefix, so seeds can be written by hand):
//   [0]      flags: bit0 encrypted, bit1 discard payloads, bit2 round trip,
//            bit3 round trip sends a keepalive after the first message
//   [1..2]   max payload bytes, u16 little-endian
//   [3..4]   chunk bytes = 1 + u16 % 4096
//   raw:     [5..] the stream
//   round trip: [5..6] flip position (u16, modulo the stream size), [7] flip mask
//            (0 = no flip), [8] messages = 1 + value % 3, [9..10] encoder batch bytes
//            = 1 + u16, [11] repeat = 1 + value % 16, [12..] payload bytes, repeated
//            `repeat` times and split across the messages
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "transport/cipher.h"
#include "transport/frame_codec.h"
#include "transport/wire.h"

namespace {

using gossip::FrameDecoder;
using gossip::FrameEncoder;
using gossip::RecordCipher;
namespace wire = gossip::wire;

constexpr uint32_t kSender = 1;
constexpr std::array<uint8_t, 32> kKey = {0x67, 0x6f, 0x73, 0x73, 0x69, 0x70, 0x2d, 0x66, 0x75, 0x7a, 0x7a,
                                          0x2d, 0x6b, 0x65, 0x79, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                          0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11};
constexpr std::size_t kRawPrefix = 5;
constexpr std::size_t kRoundTripPrefix = 12;

// abort() rather than assert(): the check must hold in the RelWithDebInfo fuzz build too.
void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "frame_decoder_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

uint16_t u16_at(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

struct Config {
  bool encrypted = false, discard = false, round_trip = false, keepalive = false;
  std::size_t max_payload = 0, chunk = 1;
};

Config read_config(const uint8_t* data) {
  Config config;
  config.encrypted = data[0] & 1;
  config.discard = data[0] & 2;
  config.round_trip = data[0] & 4;
  config.keepalive = data[0] & 8;
  config.max_payload = u16_at(data + 1);
  config.chunk = 1 + u16_at(data + 3) % 4096;
  return config;
}

// A RecordCipher can be neither copied nor moved, hence the pointer.
std::unique_ptr<RecordCipher> make_cipher(bool encrypted) {
  // ChaCha20-Poly1305 runs everywhere; AES-GCM needs AES-NI, which a fuzz host may lack.
  if (!encrypted) return nullptr;
  return std::make_unique<RecordCipher>(gossip::CipherSuite::kChaCha20Poly1305, kKey);
}

// The receiving side of one input: the decoder plus the one payload buffer it lends out,
// reused across messages the way the inbox reuses its buffers.
struct Receiver {
  Config config;
  std::unique_ptr<RecordCipher> cipher;
  std::vector<uint8_t> payload;
  FrameDecoder decoder;

  explicit Receiver(const Config& c)
      : config(c),
        cipher(make_cipher(c.encrypted)),
        decoder(cipher.get(), kSender, c.max_payload, c.chunk,
                [this](const wire::MessageHeader& header) { return acquire(header); }) {}

  std::span<uint8_t> acquire(const wire::MessageHeader& header) {
    // The limits are what keep a peer from making this process allocate at will.
    check(header.payload_bytes <= config.max_payload, "acquire asked for more than the max payload");
    check(header.payload_bytes > 0, "acquire called for an empty payload");
    check(header.control == wire::Control::kData, "acquire called for a control message");
    check(header.sender == kSender, "acquire called for a message from the wrong sender");
    if (config.discard) return {};
    payload.resize(header.payload_bytes);
    return payload;
  }

  // Feeds `stream` as a socket would, calling `on_message` per kMessage. Returns whether
  // the decoder reported an error; afterwards it must keep reporting it.
  bool feed(std::span<const uint8_t> stream, const std::function<void()>& on_message) {
    std::size_t largest_read = std::max({wire::kHeaderBytes + wire::kTagBytes, config.chunk, wire::kLengthBytes});
    while (true) {
      std::span<uint8_t> target = decoder.next_read();
      // An empty read would spin the link's read loop without progress.
      check(!target.empty(), "next_read() returned an empty span");
      check(target.size() <= largest_read, "next_read() asked for more than a chunk or a header");
      if (stream.size() < target.size()) return false;
      std::memcpy(target.data(), stream.data(), target.size());
      stream = stream.subspan(target.size());
      FrameDecoder::Status status = decoder.consume();
      if (status == FrameDecoder::Status::kError) {
        check(!decoder.error().empty(), "kError without a reason");
        check(decoder.consume() == FrameDecoder::Status::kError, "the decoder recovered from an error");
        return true;
      }
      if (status == FrameDecoder::Status::kMessage) {
        check_message();
        on_message();
      }
    }
  }

  void check_message() const {
    const wire::MessageHeader& header = decoder.header();
    check(header.sender == kSender, "a message from the wrong sender was accepted");
    check(header.payload_bytes <= config.max_payload, "a message over the max payload was accepted");
    check(header.round >= 0, "a negative round was accepted");
    if (header.control == wire::Control::kKeepalive) check(header.payload_bytes == 0, "keepalive with a payload");
    bool has_payload = header.control == wire::Control::kData && header.payload_bytes > 0;
    check(decoder.discarded() == (has_payload && config.discard), "discarded() disagrees with the acquire callback");
    if (has_payload && !config.discard) check(payload.size() == header.payload_bytes, "payload size != header");
  }
};

// Accepted headers re-encode to the same bytes: nothing in them is ignored, so two
// different headers never mean the same message.
void fuzz_decode_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < wire::kHeaderBytes) return;
  std::string why;
  auto header = wire::decode_header(bytes.first<wire::kHeaderBytes>(), &why);
  if (!header) {
    check(!why.empty(), "decode_header failed without a reason");
    return;
  }
  std::array<uint8_t, wire::kHeaderBytes> again{};
  wire::encode_header(*header, again);
  check(std::memcmp(again.data(), bytes.data(), again.size()) == 0, "decode_header accepted a non-canonical header");
}

void fuzz_raw(const Config& config, std::span<const uint8_t> stream) {
  // In a valid plaintext stream a header follows the first length: feed the parser there.
  if (stream.size() > wire::kLengthBytes) fuzz_decode_header(stream.subspan(wire::kLengthBytes));
  Receiver receiver(config);
  receiver.feed(stream, [] {});
}

bool same_header(const wire::MessageHeader& a, const wire::MessageHeader& b) {
  return a.control == b.control && a.kind == b.kind && a.codec == b.codec && a.sender == b.sender &&
         a.round == b.round && a.payload_bytes == b.payload_bytes;
}

struct Sent {
  wire::MessageHeader header;
  std::span<const uint8_t> payload;
  std::size_t stream_end = 0;  // offset just past this message in the encoded stream
};

std::vector<Sent> plan_messages(const Config& config, const uint8_t* prefix, std::span<const uint8_t> body,
                                std::vector<uint8_t>& storage) {
  std::size_t messages = 1 + prefix[8] % 3;
  std::size_t repeat = 1 + prefix[11] % 16;
  std::size_t total = std::min(body.size() * repeat, config.max_payload * messages);
  storage.resize(total);
  for (std::size_t i = 0; i < total; ++i) storage[i] = body[i % body.size()];
  std::vector<Sent> sent;
  std::size_t each = total / messages, offset = 0;
  for (std::size_t i = 0; i < messages; ++i) {
    std::size_t size = std::min(i + 1 == messages ? total - offset : each, config.max_payload);
    Sent message;
    message.header.kind = static_cast<uint8_t>(i);
    message.header.codec = static_cast<uint8_t>(3 * i);
    message.header.sender = kSender;
    message.header.round = static_cast<int64_t>(i) << 40;  // exercises the high bytes
    message.header.payload_bytes = size;
    message.payload = std::span<const uint8_t>(storage).subspan(offset, size);
    offset += size;
    sent.push_back(message);
    if (i == 0 && config.keepalive) {
      Sent keepalive;
      keepalive.header.control = wire::Control::kKeepalive;
      keepalive.header.sender = kSender;
      sent.push_back(keepalive);
    }
  }
  return sent;
}

void fuzz_round_trip(const Config& config, const uint8_t* prefix, std::span<const uint8_t> body) {
  if (body.empty()) return;
  std::vector<uint8_t> storage;
  std::vector<Sent> sent = plan_messages(config, prefix, body, storage);

  // The sender has its own cipher on the same key, so both counters advance in step.
  std::unique_ptr<RecordCipher> send_cipher = make_cipher(config.encrypted);
  FrameEncoder encoder(send_cipher.get(), config.chunk, 1 + u16_at(prefix + 9));
  std::vector<uint8_t> stream;
  for (Sent& message : sent) {
    encoder.begin(message.header, message.payload);
    // Despite its name, done() turns true once the message is fully encoded; the
    // link's write loop reads it the same way.
    while (!encoder.done()) {
      // Pieces point into the encoder's scratch, reused by the next batch: copy now.
      for (const gossip::WritePiece& piece : encoder.next_batch()) {
        stream.insert(stream.end(), piece.data, piece.data + piece.size);
      }
    }
    message.stream_end = stream.size();
  }

  uint8_t mask = prefix[7];
  std::size_t flipped = sent.size();  // index of the message holding the flipped byte
  if (mask != 0) {
    std::size_t position = u16_at(prefix + 5) % stream.size();
    stream[position] ^= mask;
    flipped = 0;
    while (sent[flipped].stream_end <= position) ++flipped;
  }
  // In plaintext nothing can notice a flipped payload byte; only the encrypted case
  // promises that every delivered message is the one sent.
  bool exact = mask == 0 || config.encrypted;

  Receiver receiver(config);
  std::size_t delivered = 0;
  bool error = receiver.feed(stream, [&] {
    // A flipped plaintext length or size can turn payload bytes into extra messages.
    if (!exact) return;
    check(delivered < sent.size(), "more messages decoded than were encoded");
    const Sent& expected = sent[delivered++];
    check(delivered <= flipped, "a tampered message was delivered without an error");
    check(same_header(receiver.decoder.header(), expected.header), "decoded header differs from the one sent");
    if (!receiver.decoder.discarded() && !expected.payload.empty()) {
      check(std::equal(expected.payload.begin(), expected.payload.end(), receiver.payload.begin(),
                       receiver.payload.end()),
            "decoded payload differs from the one sent");
    }
  });
  if (mask == 0) {
    check(!error, "an untampered stream failed to decode");
    check(delivered == sent.size(), "an untampered stream lost messages");
  } else if (config.encrypted) {
    // Sender and receiver share one chunk size, so a flipped length can neither pass
    // its bound check nor authenticate: the error always comes before the input ends.
    check(error, "a flipped byte in an encrypted stream went unnoticed");
    check(delivered == flipped, "messages before the flipped one were lost");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < kRawPrefix) return 0;
  Config config = read_config(data);
  if (!config.round_trip) {
    fuzz_raw(config, std::span<const uint8_t>(data, size).subspan(kRawPrefix));
  } else if (size >= kRoundTripPrefix) {
    fuzz_round_trip(config, data, std::span<const uint8_t>(data, size).subspan(kRoundTripPrefix));
  }
  return 0;
}
