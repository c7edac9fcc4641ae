// One direction of a link's record encryption: an AEAD key and a counter nonce.
// AES-256-GCM where the CPU has AES-NI (both peers must), ChaCha20-Poly1305 otherwise.
// AES-GCM runs through OpenSSL, whose VAES/AVX-512 code is about twice as fast as
// libsodium's on current x86 (measured by `gossip bench link`); ChaCha20-Poly1305 and
// everything in the handshake is libsodium.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <sodium.h>  // ChaCha20-Poly1305, and the AES-NI check
#include <span>

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;  // OpenSSL's AES-256-GCM context

namespace gossip {

enum class CipherSuite : uint8_t { kAes256Gcm = 1, kChaCha20Poly1305 = 2 };

// Bit mask of the suites this machine runs (bit = 1 << suite).
uint8_t local_cipher_suites();
const char* cipher_suite_name(CipherSuite suite);

class RecordCipher {
 public:
  // `first_record` is 0 on every link; tests start near the counter's end to reach it.
  RecordCipher(CipherSuite suite, const std::array<uint8_t, 32>& key, uint64_t first_record = 0);
  ~RecordCipher();
  RecordCipher(const RecordCipher&) = delete;
  RecordCipher& operator=(const RecordCipher&) = delete;

  // Encrypts `plain` into `out` (same length; may be the same memory) under the next
  // nonce, binding `associated`; writes the 16-byte tag.
  void seal(std::span<const uint8_t> associated, std::span<const uint8_t> plain, uint8_t* out,
            uint8_t* tag);
  // Decrypts in place under the next nonce; false if the record was altered, replayed,
  // reordered or is from another key. After a false the link must be closed.
  bool open(std::span<const uint8_t> associated, std::span<uint8_t> data, const uint8_t* tag);

  // Records sealed or opened under this key so far. The counter is the nonce, so it must
  // never wrap: seal refuses (throws) and open fails at the last value; links rekey far
  // earlier (LinkSettings::max_records_per_key).
  uint64_t records() const { return counter_; }

 private:
  // Nothing once the counter is spent.
  std::optional<std::array<uint8_t, 12>> next_nonce();

  CipherSuite suite_;
  std::array<uint8_t, 32> key_{};
  EVP_CIPHER_CTX* aes_ = nullptr;  // the expanded key, set up once per link and direction
  uint64_t counter_ = 0;
};

}  // namespace gossip
