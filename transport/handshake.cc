#include "transport/handshake.h"

#include <cstring>

#include "transport/wire.h"

namespace gossip {
namespace {

constexpr uint8_t kMagic[8] = {'G', 'O', 'S', 'S', 'I', 'P', '0', '1'};
constexpr char kTranscriptLabel[] = "gossip handshake v1";

template <typename T>
std::optional<T> failure(std::string* why, std::string reason) {
  if (why) *why = std::move(reason);
  return std::nullopt;
}

// H(label | hello | reply without its signature): what the responder signs.
// H(label | hello | reply | "initiator"): what the initiator signs, and what the
// session keys are bound to.
std::array<uint8_t, 32> transcript_hash(std::span<const uint8_t> transcript, bool initiator_part) {
  std::array<uint8_t, 32> hash{};
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, hash.size());
  crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(kTranscriptLabel), sizeof kTranscriptLabel);
  crypto_generichash_update(&state, transcript.data(), transcript.size());
  if (initiator_part) crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>("initiator"), 9);
  crypto_generichash_final(&state, hash.data(), hash.size());
  return hash;
}

// Binds each X25519-derived key to the full transcript.
std::array<uint8_t, 32> bind_key(const uint8_t* raw, const std::array<uint8_t, 32>& transcript) {
  std::array<uint8_t, 32> key{};
  crypto_generichash(key.data(), key.size(), transcript.data(), transcript.size(), raw, 32);
  return key;
}

bool known_peer(const PeerDirectory& directory, uint32_t id) {
  return id < directory.public_keys.size() && directory.public_keys[id].has_value();
}

const char* mode_name(LinkMode mode) { return mode == LinkMode::kPlaintext ? "plaintext" : "encrypted"; }

}  // namespace

std::optional<Hello> parse_hello(std::span<const uint8_t> bytes, std::string* why) {
  if (bytes.size() != kHelloBytes) return failure<Hello>(why, "hello has the wrong size");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return failure<Hello>(why, "not a gossip peer (bad handshake magic)");
  }
  const uint8_t* p = bytes.data() + 8;
  if (p[0] > 1) return failure<Hello>(why, "unknown link mode " + std::to_string(p[0]));
  Hello hello{static_cast<LinkMode>(p[0]), p[1], wire::get_u32(p + 2), wire::get_u32(p + 6), {}, {}};
  std::memcpy(hello.run_id.data(), p + 10, 32);
  std::memcpy(hello.ephemeral.data(), p + 42, 32);
  return hello;
}

std::optional<Reply> parse_reply(std::span<const uint8_t> bytes, std::string* why) {
  if (bytes.size() != kReplyBytes) return failure<Reply>(why, "reply has the wrong size");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return failure<Reply>(why, "not a gossip peer (bad handshake magic)");
  }
  const uint8_t* p = bytes.data() + 8;
  if (p[0] > 1) return failure<Reply>(why, "unknown link mode " + std::to_string(p[0]));
  if (p[1] != static_cast<uint8_t>(CipherSuite::kAes256Gcm) &&
      p[1] != static_cast<uint8_t>(CipherSuite::kChaCha20Poly1305)) {
    return failure<Reply>(why, "unknown cipher suite " + std::to_string(p[1]));
  }
  Reply reply{static_cast<LinkMode>(p[0]), static_cast<CipherSuite>(p[1]), wire::get_u32(p + 2), {}, {}};
  std::memcpy(reply.ephemeral.data(), p + 6, 32);
  std::memcpy(reply.signature.data(), p + 38, 64);
  return reply;
}

InitiatorHandshake::InitiatorHandshake(const PeerDirectory& directory, uint32_t responder)
    : directory_(directory), responder_(responder) {
  require_sodium();
  crypto_kx_keypair(ephemeral_public_.data(), ephemeral_secret_.data());
}

std::vector<uint8_t> InitiatorHandshake::hello() {
  hello_.assign(kHelloBytes, 0);
  uint8_t* p = hello_.data();
  std::memcpy(p, kMagic, sizeof kMagic);
  p += 8;
  p[0] = static_cast<uint8_t>(directory_.mode);
  p[1] = local_cipher_suites();
  wire::put_u32(p + 2, directory_.self);
  wire::put_u32(p + 6, responder_);
  std::memcpy(p + 10, directory_.run_id.data(), 32);
  std::memcpy(p + 42, ephemeral_public_.data(), 32);
  return hello_;
}

std::optional<std::vector<uint8_t>> InitiatorHandshake::on_reply(std::span<const uint8_t> bytes, std::string* error) {
  using Out = std::vector<uint8_t>;
  auto reply = parse_reply(bytes, error);
  if (!reply) return std::nullopt;
  if (reply->responder != responder_) {
    return failure<Out>(error, "dialed peer " + std::to_string(responder_) + " but peer " +
                                   std::to_string(reply->responder) + " answered");
  }
  if (!(local_cipher_suites() & (1 << static_cast<int>(reply->suite)))) {
    return failure<Out>(error, std::string("peer chose ") + cipher_suite_name(reply->suite) +
                                   ", which this machine does not offer");
  }
  if (reply->mode != directory_.mode) {
    return failure<Out>(error, std::string("peer is ") + mode_name(reply->mode) + ", this peer is " +
                                   mode_name(directory_.mode) + ": every peer must use the same mode");
  }
  if (!known_peer(directory_, responder_)) {
    return failure<Out>(error, "dialed peer " + std::to_string(responder_) + " has no key in the topology file");
  }
  std::vector<uint8_t> transcript = hello_;
  transcript.insert(transcript.end(), bytes.begin(), bytes.end() - 64);
  auto signed_part = transcript_hash(transcript, false);
  const PublicKey& key = *directory_.public_keys[responder_];
  if (crypto_sign_verify_detached(reply->signature.data(), signed_part.data(), signed_part.size(), key.data()) != 0) {
    return failure<Out>(error, "peer " + std::to_string(responder_) +
                                   "'s signature does not match its key in the topology file");
  }
  transcript.insert(transcript.end(), bytes.end() - 64, bytes.end());
  auto bound = transcript_hash(transcript, true);
  std::vector<uint8_t> finish(kFinishBytes);
  crypto_sign_detached(finish.data(), nullptr, bound.data(), bound.size(), directory_.identity.secret_key.data());

  uint8_t receive[32], send[32];
  if (crypto_kx_client_session_keys(receive, send, ephemeral_public_.data(), ephemeral_secret_.data(),
                                    reply->ephemeral.data()) != 0) {
    return failure<Out>(error, "peer sent an invalid ephemeral key");
  }
  keys_ = {responder_, reply->mode, reply->suite, bind_key(send, bound), bind_key(receive, bound)};
  sodium_memzero(ephemeral_secret_.data(), ephemeral_secret_.size());
  sodium_memzero(receive, sizeof receive);
  sodium_memzero(send, sizeof send);
  return finish;
}

ResponderHandshake::ResponderHandshake(const PeerDirectory& directory) : directory_(directory) { require_sodium(); }

ResponderHandshake::~ResponderHandshake() { sodium_memzero(transcript_.data(), transcript_.size()); }

std::optional<std::vector<uint8_t>> ResponderHandshake::on_hello(std::span<const uint8_t> bytes, std::string* error) {
  using Out = std::vector<uint8_t>;
  auto hello = parse_hello(bytes, error);
  if (!hello) return std::nullopt;
  if (hello->responder != directory_.self) {
    return failure<Out>(error, "hello is for peer " + std::to_string(hello->responder) + ", this is peer " +
                                   std::to_string(directory_.self));
  }
  if (!known_peer(directory_, hello->initiator)) {
    return failure<Out>(error, "claims id " + std::to_string(hello->initiator) + ", which is not in the topology file");
  }
  keys_.peer = hello->initiator;
  if (hello->initiator >= directory_.may_link.size() || !directory_.may_link[hello->initiator]) {
    return failure<Out>(error, "peer " + std::to_string(hello->initiator) + " is not a neighbour of this peer");
  }
  if (hello->run_id != directory_.run_id) {
    return failure<Out>(error, "peer " + std::to_string(hello->initiator) +
                                   " runs a different topology file (run id differs)");
  }
  if (hello->mode != directory_.mode) {
    return failure<Out>(error, "peer " + std::to_string(hello->initiator) + " is " + mode_name(hello->mode) +
                                   ", this peer is " + mode_name(directory_.mode) + ": every peer must use the same mode");
  }
  uint8_t shared = hello->suites & local_cipher_suites();
  CipherSuite suite = (shared & (1 << static_cast<int>(CipherSuite::kAes256Gcm))) ? CipherSuite::kAes256Gcm
                                                                                  : CipherSuite::kChaCha20Poly1305;
  std::array<uint8_t, 32> ephemeral_public{}, ephemeral_secret{};
  crypto_kx_keypair(ephemeral_public.data(), ephemeral_secret.data());

  std::vector<uint8_t> reply(kReplyBytes, 0);
  uint8_t* p = reply.data();
  std::memcpy(p, kMagic, sizeof kMagic);
  p += 8;
  p[0] = static_cast<uint8_t>(directory_.mode);
  p[1] = static_cast<uint8_t>(suite);
  wire::put_u32(p + 2, directory_.self);
  std::memcpy(p + 6, ephemeral_public.data(), 32);
  transcript_.assign(bytes.begin(), bytes.end());
  transcript_.insert(transcript_.end(), reply.begin(), reply.end() - 64);
  auto signed_part = transcript_hash(transcript_, false);
  crypto_sign_detached(p + 38, nullptr, signed_part.data(), signed_part.size(), directory_.identity.secret_key.data());
  transcript_.insert(transcript_.end(), reply.end() - 64, reply.end());

  uint8_t receive[32], send[32];
  int status = crypto_kx_server_session_keys(receive, send, ephemeral_public.data(), ephemeral_secret.data(),
                                             hello->ephemeral.data());
  sodium_memzero(ephemeral_secret.data(), ephemeral_secret.size());
  if (status != 0) return failure<Out>(error, "peer sent an invalid ephemeral key");
  auto bound = transcript_hash(transcript_, true);
  keys_ = {hello->initiator, hello->mode, suite, bind_key(send, bound), bind_key(receive, bound)};
  sodium_memzero(receive, sizeof receive);
  sodium_memzero(send, sizeof send);
  return reply;
}

bool ResponderHandshake::on_finish(std::span<const uint8_t> bytes, std::string* error) {
  if (bytes.size() != kFinishBytes || transcript_.empty()) {
    if (error) *error = "finish has the wrong size";
    return false;
  }
  auto bound = transcript_hash(transcript_, true);
  const PublicKey& key = *directory_.public_keys[keys_.peer];
  if (crypto_sign_verify_detached(bytes.data(), bound.data(), bound.size(), key.data()) != 0) {
    if (error) {
      *error = "claims to be peer " + std::to_string(keys_.peer) +
               " but its signature does not match that peer's key in the topology file";
    }
    return false;
  }
  return true;
}

std::array<uint8_t, 32> compute_run_id(uint64_t seed, const std::vector<std::string>& peer_lines) {
  require_sodium();
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  uint8_t word[8];
  wire::put_u64(word, seed);
  crypto_generichash_update(&state, word, 8);
  for (const auto& line : peer_lines) {
    crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>(line.data()), line.size());
    crypto_generichash_update(&state, reinterpret_cast<const uint8_t*>("\n"), 1);
  }
  std::array<uint8_t, 32> id{};
  crypto_generichash_final(&state, id.data(), id.size());
  return id;
}

}  // namespace gossip
