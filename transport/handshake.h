// Mutual authentication and key agreement for one link, as pure message processing
// (the link does the I/O). Three messages, SIGMA-style:
//
//   hello  (initiator -> responder): magic, mode, cipher suites, both ids, run id,
//                                    initiator's ephemeral X25519 key
//   reply  (responder -> initiator): magic, mode, chosen suite, responder id, its
//                                    ephemeral key, Ed25519 signature over the transcript
//   finish (initiator -> responder): Ed25519 signature over the transcript
//
// Each side checks the other's signature with the static key the topology file lists
// for the id it claims, so a key not in the file, or a valid key claiming another id,
// is refused. Session keys come from X25519 of the two ephemeral keys (forward secrecy)
// hashed with the transcript: one key per direction. The run id (a hash of every peer's
// id, address and key, and the seed) keeps peers of different runs apart.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "transport/cipher.h"
#include "transport/identity.h"

namespace gossip {

constexpr std::size_t kHelloBytes = 82;
constexpr std::size_t kReplyBytes = 110;
constexpr std::size_t kFinishBytes = 64;

enum class LinkMode : uint8_t { kEncrypted = 0, kPlaintext = 1 };

// What this peer knows about the run, to check who is on the other end.
struct PeerDirectory {
  uint32_t self = 0;
  Identity identity;
  std::vector<std::optional<PublicKey>> public_keys;  // by peer id
  std::vector<uint8_t> may_link;                      // by peer id: 1 if a neighbour
  std::array<uint8_t, 32> run_id{};
  LinkMode mode = LinkMode::kEncrypted;
};

struct SessionKeys {
  uint32_t peer = 0;
  LinkMode mode = LinkMode::kEncrypted;
  CipherSuite suite = CipherSuite::kChaCha20Poly1305;
  std::array<uint8_t, 32> send{}, receive{};
};

// The first `kHelloBytes` a responder reads, parsed; exposed for fuzzing and tests.
struct Hello {
  LinkMode mode;
  uint8_t suites;
  uint32_t initiator, responder;
  std::array<uint8_t, 32> run_id, ephemeral;
};
std::optional<Hello> parse_hello(std::span<const uint8_t> bytes, std::string* why);

struct Reply {
  LinkMode mode;
  CipherSuite suite;
  uint32_t responder;
  std::array<uint8_t, 32> ephemeral;
  Signature signature;
};
std::optional<Reply> parse_reply(std::span<const uint8_t> bytes, std::string* why);

// Each step returns the bytes to send next, or nothing with the reason in `error`;
// after an error the connection must be closed.
class InitiatorHandshake {
 public:
  InitiatorHandshake(const PeerDirectory& directory, uint32_t responder);
  std::vector<uint8_t> hello();
  std::optional<std::vector<uint8_t>> on_reply(std::span<const uint8_t> bytes, std::string* error);
  const SessionKeys& keys() const { return keys_; }

 private:
  const PeerDirectory& directory_;
  uint32_t responder_;
  std::array<uint8_t, 32> ephemeral_public_{}, ephemeral_secret_{};
  std::vector<uint8_t> hello_;
  SessionKeys keys_;
};

class ResponderHandshake {
 public:
  explicit ResponderHandshake(const PeerDirectory& directory);
  ~ResponderHandshake();
  std::optional<std::vector<uint8_t>> on_hello(std::span<const uint8_t> bytes, std::string* error);
  bool on_finish(std::span<const uint8_t> bytes, std::string* error);
  // Valid once on_finish returned true; `peer` is known after on_hello.
  const SessionKeys& keys() const { return keys_; }

 private:
  const PeerDirectory& directory_;
  std::vector<uint8_t> transcript_;  // hello then reply
  SessionKeys keys_;
};

// BLAKE2b over the seed and one line per peer ("id host:port key"), in id order.
std::array<uint8_t, 32> compute_run_id(uint64_t seed, const std::vector<std::string>& peer_lines);

}  // namespace gossip
