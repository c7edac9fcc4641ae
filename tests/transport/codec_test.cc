// Wire headers, record encryption and the frame encoder/decoder, without sockets.
#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

#include "transport/frame_codec.h"
#include "transport/identity.h"

using namespace gossip;

namespace {

std::array<uint8_t, 32> key_of(uint8_t seed) {
  std::array<uint8_t, 32> key;
  std::iota(key.begin(), key.end(), seed);
  return key;
}

std::vector<uint8_t> pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> bytes(size);
  std::mt19937 rng(seed);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  return bytes;
}

// Everything the encoder writes for one message, as one byte string.
std::vector<uint8_t> encode(FrameEncoder& encoder, const wire::MessageHeader& header, std::span<const uint8_t> payload) {
  std::vector<uint8_t> stream;
  encoder.begin(header, payload);
  while (!encoder.done()) {
    for (const auto& piece : encoder.next_batch()) stream.insert(stream.end(), piece.data, piece.data + piece.size);
  }
  return stream;
}

struct Decoded {
  std::vector<wire::MessageHeader> headers;
  std::vector<std::vector<uint8_t>> payloads;
  std::string error;
  int acquires = 0;
};

// Feeds `stream` through a decoder the way a socket would.
Decoded decode(FrameDecoder::Acquire* override, RecordCipher* cipher, std::span<const uint8_t> stream,
               size_t max_payload = 1 << 20, size_t max_chunk = 1 << 20, uint32_t sender = 3) {
  Decoded out;
  std::vector<uint8_t> buffer;
  FrameDecoder decoder(cipher, sender, max_payload, max_chunk, [&](const wire::MessageHeader& header) {
    ++out.acquires;
    if (override) return (*override)(header);
    buffer.assign(header.payload_bytes, 0);
    return std::span<uint8_t>(buffer);
  });
  size_t at = 0;
  while (at < stream.size()) {
    auto target = decoder.next_read();
    if (stream.size() - at < target.size()) break;
    std::memcpy(target.data(), stream.data() + at, target.size());
    at += target.size();
    auto status = decoder.consume();
    if (status == FrameDecoder::Status::kError) {
      out.error = decoder.error();
      return out;
    }
    if (status == FrameDecoder::Status::kMessage) {
      out.headers.push_back(decoder.header());
      out.payloads.push_back(decoder.header().payload_bytes ? buffer : std::vector<uint8_t>{});
    }
  }
  return out;
}

wire::MessageHeader data_header(int64_t round, uint64_t bytes) {
  return {wire::Control::kData, 7, 2, 3, round, bytes};
}

}  // namespace

TEST_CASE("message headers round-trip and reject what is malformed") {
  std::array<uint8_t, wire::kHeaderBytes> bytes{};
  wire::encode_header(data_header(123456789012LL, 1ULL << 40), bytes);
  std::string why;
  auto header = wire::decode_header(bytes, &why);
  REQUIRE(header);
  CHECK(header->round == 123456789012LL);
  CHECK(header->payload_bytes == 1ULL << 40);
  CHECK(header->kind == 7);
  CHECK(header->codec == 2);
  CHECK(header->sender == 3);
  bytes[0] ^= 1;
  CHECK_FALSE(wire::decode_header(bytes, &why));
  CHECK(why == "not a message header (bad magic)");
  bytes[0] ^= 1;
  bytes[23] = 0x80;  // round with the sign bit set
  CHECK_FALSE(wire::decode_header(bytes, &why));
  CHECK(why.find("negative round") == 0);
}

TEST_CASE("record cipher: opens what it sealed, refuses altered, replayed and reordered records") {
  for (CipherSuite suite : {CipherSuite::kChaCha20Poly1305, CipherSuite::kAes256Gcm}) {
    if (suite == CipherSuite::kAes256Gcm && !(local_cipher_suites() & (1 << 1))) continue;
    INFO(cipher_suite_name(suite));
    RecordCipher sender(suite, key_of(1)), receiver(suite, key_of(1));
    auto plain = pattern(1000, 1);
    uint8_t aad[8] = {1, 2, 3};
    std::vector<uint8_t> first(plain.size()), second(plain.size());
    uint8_t tag1[16], tag2[16];
    sender.seal(aad, plain, first.data(), tag1);
    sender.seal(aad, plain, second.data(), tag2);
    CHECK(first != second);  // a fresh nonce per record
    auto copy = first;
    CHECK(receiver.open(aad, copy, tag1));
    CHECK(copy == plain);
    copy = first;  // replaying record 0 where record 1 is due
    CHECK_FALSE(receiver.open(aad, copy, tag1));
    RecordCipher fresh(suite, key_of(1));
    copy = second;  // record 1 first: reordered
    CHECK_FALSE(fresh.open(aad, copy, tag2));
    RecordCipher other(suite, key_of(1));
    copy = first;
    copy[500] ^= 0x10;
    CHECK_FALSE(other.open(aad, copy, tag1));
    RecordCipher wrong_key(suite, key_of(2));
    copy = first;
    CHECK_FALSE(wrong_key.open(aad, copy, tag1));
  }
}

TEST_CASE("record cipher: the nonce never wraps: the last counter value is refused on both ends") {
  for (CipherSuite suite : {CipherSuite::kChaCha20Poly1305, CipherSuite::kAes256Gcm}) {
    if (suite == CipherSuite::kAes256Gcm && !(local_cipher_suites() & (1 << 1))) continue;
    INFO(cipher_suite_name(suite));
    const uint64_t last = std::numeric_limits<uint64_t>::max();
    RecordCipher sender(suite, key_of(3), last - 1), receiver(suite, key_of(3), last - 1);
    auto plain = pattern(64, 2);
    uint8_t aad[8] = {};
    std::vector<uint8_t> sealed(plain.size());
    uint8_t tag[16];
    sender.seal(aad, plain, sealed.data(), tag);  // the last nonce there is: 2^64 - 2
    CHECK(receiver.open(aad, sealed, tag));
    CHECK(sealed == plain);
    CHECK(sender.records() == last);
    CHECK_THROWS_AS(sender.seal(aad, plain, sealed.data(), tag), std::logic_error);
    CHECK_FALSE(receiver.open(aad, sealed, tag));
  }
}

TEST_CASE("AES-256-GCM records are standard: libsodium opens what the record cipher sealed") {
  if (!(local_cipher_suites() & (1 << static_cast<int>(CipherSuite::kAes256Gcm)))) {
    MESSAGE("SKIPPED: no AES-NI on this CPU");
    return;
  }
  auto key = key_of(3);
  RecordCipher cipher(CipherSuite::kAes256Gcm, key);
  auto plain = pattern(100000, 4);
  uint8_t aad[8] = {9, 8, 7};
  std::vector<uint8_t> sealed(plain.size());
  uint8_t tag[16];
  for (uint64_t counter = 0; counter < 3; ++counter) {
    cipher.seal(aad, plain, sealed.data(), tag);
    std::array<uint8_t, 12> nonce{};
    wire::put_u64(nonce.data(), counter);
    std::vector<uint8_t> opened(plain.size());
    REQUIRE(crypto_aead_aes256gcm_decrypt_detached(opened.data(), nullptr, sealed.data(), sealed.size(), tag, aad,
                                                   sizeof aad, nonce.data(), key.data()) == 0);
    CHECK(opened == plain);
  }
}

TEST_CASE("frames round-trip bit-exact: sizes 0, 1, odd, several chunks, plaintext and encrypted") {
  for (bool encrypted : {false, true}) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{999}, size_t{4096}, size_t{10007}}) {
      INFO("encrypted " << encrypted << ", size " << size);
      RecordCipher seal(CipherSuite::kChaCha20Poly1305, key_of(9)), open(CipherSuite::kChaCha20Poly1305, key_of(9));
      FrameEncoder encoder(encrypted ? &seal : nullptr, 1024, 3000);  // tiny chunks reach the rare paths
      auto payload = pattern(size, static_cast<uint32_t>(size));
      auto stream = encode(encoder, data_header(5, size), payload);
      auto second = pattern(33, 2);
      auto more = encode(encoder, data_header(6, second.size()), second);
      stream.insert(stream.end(), more.begin(), more.end());
      auto decoded = decode(nullptr, encrypted ? &open : nullptr, stream, 1 << 20, 1024);
      CHECK(decoded.error == "");
      REQUIRE(decoded.payloads.size() == 2);
      CHECK(decoded.payloads[0] == payload);
      CHECK(decoded.headers[0].round == 5);
      CHECK(decoded.payloads[1] == second);
      size_t records = (size + 1023) / 1024 + 1;
      CHECK(stream.size() - more.size() == size + records * (8 + (encrypted ? 16 : 0)) + 32);
      CHECK(stream.size() - more.size() == wire::message_wire_bytes(size, 1024, encrypted));
    }
  }
}

TEST_CASE("a flipped byte anywhere in an encrypted frame is an error, never a wrong message") {
  RecordCipher seal(CipherSuite::kChaCha20Poly1305, key_of(4));
  FrameEncoder encoder(&seal, 256, 1024);
  auto payload = pattern(1000, 3);
  auto stream = encode(encoder, data_header(1, payload.size()), payload);
  for (size_t at = 0; at < stream.size(); at += 7) {
    auto altered = stream;
    altered[at] ^= 0x01;
    RecordCipher open(CipherSuite::kChaCha20Poly1305, key_of(4));
    auto decoded = decode(nullptr, &open, altered, 1 << 20, 256);
    INFO("byte " << at);
    CHECK(decoded.payloads.empty());
    CHECK(decoded.error != "");
  }
}

TEST_CASE("a replayed record closes the link") {
  RecordCipher seal(CipherSuite::kChaCha20Poly1305, key_of(5)), open(CipherSuite::kChaCha20Poly1305, key_of(5));
  FrameEncoder encoder(&seal, 1 << 20, 1 << 20);
  auto payload = pattern(100, 1);
  auto once = encode(encoder, data_header(1, payload.size()), payload);
  auto twice = once;
  twice.insert(twice.end(), once.begin(), once.end());
  auto decoded = decode(nullptr, &open, twice);
  CHECK(decoded.payloads.size() == 1);
  CHECK(decoded.error == "a message header failed authentication (altered, replayed or reordered)");
}

TEST_CASE("a length prefix of 2^60 is rejected before anything is allocated") {
  std::vector<uint8_t> stream(8);
  wire::put_u64(stream.data(), 1ULL << 60);
  auto decoded = decode(nullptr, nullptr, stream);
  CHECK(decoded.error == "record length 1152921504606846976 where a message header of 32 bytes was due");
  CHECK(decoded.acquires == 0);
  // A header announcing 2^60 payload bytes: refused against the run's limit, no acquire.
  FrameEncoder encoder(nullptr, 1024, 1024);
  std::array<uint8_t, wire::kHeaderBytes> header{};
  wire::encode_header(data_header(1, 1ULL << 60), header);
  std::vector<uint8_t> huge(8);
  wire::put_u64(huge.data(), header.size());
  huge.insert(huge.end(), header.begin(), header.end());
  decoded = decode(nullptr, nullptr, huge, 1 << 20);
  CHECK(decoded.error == "message of 1152921504606846976 bytes exceeds the limit of 1048576");
  CHECK(decoded.acquires == 0);
  // A payload record longer than the announced payload.
  auto payload = pattern(10, 1);
  auto good = encode(encoder, data_header(1, 10), payload);
  wire::put_u64(good.data() + 8 + 32, 1ULL << 60);
  CHECK(decode(nullptr, nullptr, good).error == "record length 1152921504606846976 outside 1..10 for the next payload chunk");
}

TEST_CASE("a message claiming another sender closes the link") {
  FrameEncoder encoder(nullptr, 1024, 1024);
  auto header = data_header(1, 0);
  header.sender = 9;
  auto stream = encode(encoder, header, {});
  CHECK(decode(nullptr, nullptr, stream).error == "peer 3 sent a message claiming sender 9");
}

TEST_CASE("discarded payloads are still read and authenticated") {
  RecordCipher seal(CipherSuite::kChaCha20Poly1305, key_of(6)), open(CipherSuite::kChaCha20Poly1305, key_of(6));
  FrameEncoder encoder(&seal, 64, 256);
  auto payload = pattern(300, 1);
  auto stream = encode(encoder, data_header(1, payload.size()), payload);
  auto next = encode(encoder, data_header(2, payload.size()), payload);
  stream.insert(stream.end(), next.begin(), next.end());
  FrameDecoder::Acquire discard = [](const wire::MessageHeader&) { return std::span<uint8_t>(); };
  auto decoded = decode(&discard, &open, stream, 1 << 20, 64);
  CHECK(decoded.error == "");
  CHECK(decoded.headers.size() == 2);  // the stream stays in sync past a discarded message
}
