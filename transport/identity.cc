#include "transport/identity.h"

#include <sodium.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/config_error.h"

namespace gossip {

void require_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
}

Identity generate_identity() {
  require_sodium();
  Identity identity;
  crypto_sign_keypair(identity.public_key.data(), identity.secret_key.data());
  return identity;
}

std::string to_hex(const uint8_t* bytes, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, size);
  hex.pop_back();
  return hex;
}

std::string to_hex(const PublicKey& key) { return to_hex(key.data(), key.size()); }

std::optional<PublicKey> public_key_from_hex(const std::string& hex) {
  PublicKey key;
  size_t length = 0;
  const char* end = nullptr;
  if (hex.size() != 64 ||
      sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &length, &end) != 0 ||
      length != key.size() || end != hex.data() + hex.size()) {
    return std::nullopt;
  }
  return key;
}

void save_identity(const Identity& identity, const std::string& path) {
  std::string partial = path + ".partial";
  std::filesystem::remove(partial);
  // Create with 0600 from the start: the secret is never readable by others, not even briefly.
  mode_t old_mask = umask(077);
  std::ofstream out(partial, std::ios::binary | std::ios::trunc);
  umask(old_mask);
  if (!out) throw std::runtime_error(path + ": cannot write the key file");
  out << to_hex(identity.secret_key.data(), crypto_sign_SEEDBYTES) << '\n';
  out.close();
  if (!out) throw std::runtime_error(path + ": writing the key file failed");
  std::filesystem::permissions(partial, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::filesystem::rename(partial, path);
}

Identity load_identity(const std::string& path) {
  require_sodium();
  struct stat status {};
  if (stat(path.c_str(), &status) != 0) {
    throw ConfigError(path + ": no secret key file here (make one with `gossip keygen`)");
  }
  if (status.st_mode & 077) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%03o", static_cast<unsigned>(status.st_mode & 0777));
    throw ConfigError(path + ": secret key file is readable by group or others (mode " + mode +
                             "); run chmod 600 " + path);
  }
  std::ifstream in(path);
  std::string hex;
  if (!(in >> hex)) throw ConfigError(path + ": cannot read the key file");
  std::array<uint8_t, crypto_sign_SEEDBYTES> seed{};
  size_t length = 0;
  const char* end = nullptr;
  if (hex.size() != 2 * seed.size() ||
      sodium_hex2bin(seed.data(), seed.size(), hex.data(), hex.size(), nullptr, &length, &end) != 0 ||
      length != seed.size()) {
    throw ConfigError(path + ": expected 64 hex digits (an Ed25519 seed from `gossip keygen`)");
  }
  Identity identity;
  crypto_sign_seed_keypair(identity.public_key.data(), identity.secret_key.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  return identity;
}

std::string default_key_path(const std::string& topology_path, int id) {
  std::string name = "peer-" + std::to_string(id) + ".key";
  if (const char* dir = std::getenv("GOSSIP_KEY_DIR"); dir && *dir) {
    return (std::filesystem::path(dir) / name).string();
  }
  return (std::filesystem::path(topology_path).parent_path() / "keys" / name).string();
}

}  // namespace gossip
