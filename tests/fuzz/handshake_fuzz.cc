// libFuzzer target for the handshake, the code that reads a stranger's bytes before
// anything is authenticated. Every input runs parse_hello and parse_reply on its body,
// then one driver, chosen by the input:
//
//   responder:  on_hello(bytes), then on_finish(the rest), as peer 0
//   initiator:  hello(), then on_reply(bytes), as peer 1 dialing peer 0 or 2
//   round trip: a real initiator and responder talk; one byte of the 256 that cross
//               the wire may be flipped. Unflipped, both sides must agree on the
//               keys; flipped, at least one side must refuse.
//
// Fuzz bytes cannot carry a signature by the directory's keys, so a responder that
// accepts a finish, or an initiator that accepts a reply, means authentication is broken.
//
// Before any of that, the accept loop's first read is gated by the handshake slots
// (transport/tcp/handshake_slots.h): every input also drives them, each body byte one
// connection opening (bit 7 clear) or closing (set) from one of 8 addresses, two of them
// neighbours'; no address may pass its allowance, nobody the total, and a neighbour's own
// slots must stay free whatever the strangers do.
//
// Input layout:
//   [0]   bits 0-1: driver (0 parse only, 1 responder, 2 initiator, 3 round trip);
//         bit 2: the directories are in plaintext mode
//   responder:  [1] hello size (< 128: kHelloBytes, else value - 128), [2..] hello, finish
//   initiator:  [1] bit 0: dial peer 2 instead of peer 0, [2..] reply
//   round trip: [1..2] flip position (u16 % 256), [3] flip mask (0 = no flip)
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "transport/handshake.h"
#include "transport/identity.h"
#include "transport/tcp/handshake_slots.h"

namespace {

using gossip::InitiatorHandshake;
using gossip::LinkMode;
using gossip::PeerDirectory;
using gossip::ResponderHandshake;

constexpr std::size_t kPrefix = 2;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "handshake_fuzz: invariant violated: %s\n", what);
    std::abort();
  }
}

// A fixed run id that seeds can spell out: bytes 0, 1, ..., 31.
std::array<uint8_t, 32> fuzz_run_id() {
  std::array<uint8_t, 32> id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(i);
  return id;
}

// Three peers with fresh keys, made once per process: key generation is far slower than
// one run. Peer 0 (the responder) may link with 1 and 2; peer 1 (the initiator) with 0.
struct Peers {
  std::array<gossip::Identity, 3> identities;
  PeerDirectory responder[2], initiator[2];  // by LinkMode

  Peers() {
    for (auto& identity : identities) identity = gossip::generate_identity();
    for (LinkMode mode : {LinkMode::kEncrypted, LinkMode::kPlaintext}) {
      responder[static_cast<int>(mode)] = directory(0, {0, 1, 1}, mode);
      initiator[static_cast<int>(mode)] = directory(1, {1, 0, 0}, mode);
    }
  }

  PeerDirectory directory(uint32_t self, std::vector<uint8_t> may_link, LinkMode mode) const {
    PeerDirectory directory;
    directory.self = self;
    directory.identity = identities[self];
    for (const auto& identity : identities) directory.public_keys.emplace_back(identity.public_key);
    directory.may_link = std::move(may_link);
    directory.run_id = fuzz_run_id();
    directory.mode = mode;
    return directory;
  }
};

const Peers& peers() {
  static const Peers instance;
  return instance;
}

void fuzz_parsers(std::span<const uint8_t> bytes) {
  std::string why;
  auto hello = gossip::parse_hello(bytes, &why);
  check(hello.has_value() == why.empty(), "parse_hello: result and reason disagree");
  if (hello) {
    check(bytes.size() == gossip::kHelloBytes, "parse_hello accepted the wrong size");
    check(static_cast<uint8_t>(hello->mode) <= 1, "parse_hello accepted an unknown mode");
  }
  why.clear();
  auto reply = gossip::parse_reply(bytes, &why);
  check(reply.has_value() == why.empty(), "parse_reply: result and reason disagree");
  if (reply) {
    check(bytes.size() == gossip::kReplyBytes, "parse_reply accepted the wrong size");
    check(static_cast<uint8_t>(reply->mode) <= 1, "parse_reply accepted an unknown mode");
    check(reply->suite == gossip::CipherSuite::kAes256Gcm || reply->suite == gossip::CipherSuite::kChaCha20Poly1305,
          "parse_reply accepted an unknown cipher suite");
  }
}

void fuzz_responder(const PeerDirectory& directory, uint8_t size_choice, std::span<const uint8_t> bytes) {
  std::size_t hello_size = size_choice < 128 ? gossip::kHelloBytes : size_choice - 128u;
  std::span<const uint8_t> hello = bytes.first(std::min(hello_size, bytes.size()));
  std::span<const uint8_t> finish = bytes.subspan(hello.size());

  ResponderHandshake responder(directory);
  std::string error;
  auto reply = responder.on_hello(hello, &error);
  check(reply.has_value() == error.empty(), "on_hello: result and error disagree");
  if (reply) {
    std::string why;
    auto parsed = gossip::parse_reply(*reply, &why);
    check(parsed.has_value(), "the responder's own reply does not parse");
    check(parsed->responder == directory.self && parsed->mode == directory.mode, "the reply misstates who answered");
    check(responder.keys().peer == 1 || responder.keys().peer == 2, "a hello from a non-neighbour was answered");
  }
  // Also after a refused hello: a link that calls on_finish anyway must still be refused.
  error.clear();
  check(!responder.on_finish(finish, &error), "on_finish accepted a signature made from fuzz bytes");
  check(!error.empty(), "on_finish refused without a reason");
}

void fuzz_initiator(const PeerDirectory& directory, uint8_t choice, std::span<const uint8_t> reply) {
  uint32_t responder_id = (choice & 1) ? 2 : 0;
  InitiatorHandshake initiator(directory, responder_id);
  std::vector<uint8_t> hello = initiator.hello();
  auto parsed = gossip::parse_hello(hello, nullptr);
  check(parsed && parsed->initiator == directory.self && parsed->responder == responder_id &&
            parsed->run_id == directory.run_id && parsed->mode == directory.mode,
        "the initiator's own hello misstates the link");
  std::string error;
  check(!initiator.on_reply(reply, &error), "on_reply accepted a signature made from fuzz bytes");
  check(!error.empty(), "on_reply refused without a reason");
}

void fuzz_round_trip(LinkMode mode, const uint8_t* prefix) {
  const Peers& all = peers();
  std::size_t total = gossip::kHelloBytes + gossip::kReplyBytes + gossip::kFinishBytes;
  std::size_t position = (prefix[1] | (prefix[2] << 8)) % total;
  uint8_t mask = prefix[3];
  // Applies the flip when it falls inside this message, which starts at `offset` overall.
  auto tamper = [&](std::vector<uint8_t>& message, std::size_t offset) {
    if (mask != 0 && position >= offset && position < offset + message.size()) message[position - offset] ^= mask;
  };

  InitiatorHandshake initiator(all.initiator[static_cast<int>(mode)], 0);
  ResponderHandshake responder(all.responder[static_cast<int>(mode)]);
  std::string error;
  std::vector<uint8_t> hello = initiator.hello();
  tamper(hello, 0);
  auto reply = responder.on_hello(hello, &error);
  if (reply) {
    tamper(*reply, gossip::kHelloBytes);
    auto finish = initiator.on_reply(*reply, &error);
    if (finish) {
      tamper(*finish, gossip::kHelloBytes + gossip::kReplyBytes);
      if (responder.on_finish(*finish, &error)) {
        check(mask == 0, "a handshake with a flipped byte succeeded");
        const gossip::SessionKeys &ours = initiator.keys(), &theirs = responder.keys();
        check(ours.peer == 0 && theirs.peer == 1, "a side names the wrong peer");
        check(ours.mode == mode && theirs.mode == mode && ours.suite == theirs.suite, "the sides disagree on the link");
        check(ours.send == theirs.receive && ours.receive == theirs.send, "the sides derived different keys");
        check(ours.send != ours.receive, "both directions share one key");
        return;
      }
    }
  }
  check(mask != 0, "an untampered handshake failed");
}

}  // namespace

void fuzz_slots(std::span<const uint8_t> body) {
  const std::string addresses[] = {"10.0.0.1", "10.0.0.2", "198.18.0.3", "198.18.0.4",
                                   "198.18.0.5", "::1",      "fe80::6",    "198.18.0.7"};
  gossip::tcp::HandshakeSlots slots(6, 2, {{"10.0.0.1", 2}, {"10.0.0.2", 1}});
  std::array<int, 8> open{};
  for (uint8_t byte : body) {
    const int which = byte & 7;
    const std::string& address = addresses[which];
    if (byte & 0x80) {
      if (open[which] > 0) {
        slots.release(address);
        --open[which];
      }
    } else if (slots.admit(address, nullptr)) {
      ++open[which];
    }
    check(slots.in_flight(address) == open[which], "slots: the count of an address drifted");
    check(open[which] <= slots.allowance(address), "slots: an address past its allowance");
    check(slots.in_flight() <= 6 + 3, "slots: past the total and the reserved");
    int strangers = 0;
    for (int i = 2; i < 8; ++i) strangers += open[i];
    check(strangers <= 6, "slots: strangers took a neighbour's reserved slot");
  }
  // With every stranger slot taken, each neighbour can still start a handshake.
  gossip::tcp::HandshakeSlots full(6, 2, {{"10.0.0.1", 2}, {"10.0.0.2", 1}});
  for (int i = 0; i < 12; ++i) full.admit(addresses[2 + i % 6], nullptr);
  check(full.admit("10.0.0.1", nullptr) && full.admit("10.0.0.2", nullptr), "slots: a neighbour locked out");
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < kPrefix) return 0;
  std::span<const uint8_t> body(data + kPrefix, size - kPrefix);
  fuzz_slots(body);
  fuzz_parsers(body);
  LinkMode mode = (data[0] & 4) ? LinkMode::kPlaintext : LinkMode::kEncrypted;
  switch (data[0] & 3) {
    case 1:
      fuzz_responder(peers().responder[static_cast<int>(mode)], data[1], body);
      break;
    case 2:
      fuzz_initiator(peers().initiator[static_cast<int>(mode)], data[1], body);
      break;
    case 3:
      if (size >= 4) fuzz_round_trip(mode, data);
      break;
  }
  return 0;
}
