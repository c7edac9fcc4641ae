// Peer identities: Ed25519 key pairs. Public keys travel in the topology file as hex;
// secret keys live in files of their own (mode 0600) and never in the topology file.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace gossip {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;

struct Identity {
  PublicKey public_key{};
  std::array<uint8_t, 64> secret_key{};  // libsodium's form: seed then public key
};

// Initialises libsodium once; throws if it cannot (no entropy source).
void require_sodium();

Identity generate_identity();
// The key file holds the 32-byte seed as 64 hex digits on one line.
void save_identity(const Identity& identity, const std::string& path);  // writes with mode 0600
// Throws std::runtime_error naming the file: missing, unreadable, malformed, or readable by
// group/others (a secret key must not be).
Identity load_identity(const std::string& path);

std::string to_hex(const uint8_t* bytes, size_t size);
std::string to_hex(const PublicKey& key);
// Nothing when `hex` is not exactly 64 hex digits.
std::optional<PublicKey> public_key_from_hex(const std::string& hex);

// Where `gossip peer` looks for peer `id`'s secret key when no --key is given:
// $GOSSIP_KEY_DIR/peer-ID.key, else keys/peer-ID.key beside the topology file.
std::string default_key_path(const std::string& topology_path, int id);

}  // namespace gossip
