#include "transport/cipher.h"

#include <stdexcept>

#include "transport/identity.h"
#include "transport/wire.h"

namespace gossip {

uint8_t local_cipher_suites() {
  require_sodium();
  uint8_t suites = 1 << static_cast<int>(CipherSuite::kChaCha20Poly1305);
  if (crypto_aead_aes256gcm_is_available()) suites |= 1 << static_cast<int>(CipherSuite::kAes256Gcm);
  return suites;
}

const char* cipher_suite_name(CipherSuite suite) {
  return suite == CipherSuite::kAes256Gcm ? "AES-256-GCM" : "ChaCha20-Poly1305";
}

RecordCipher::RecordCipher(CipherSuite suite, const std::array<uint8_t, 32>& key) : suite_(suite), key_(key) {
  require_sodium();
  if (suite_ == CipherSuite::kAes256Gcm) {
    if (!crypto_aead_aes256gcm_is_available()) throw std::runtime_error("AES-256-GCM is not available on this CPU");
    crypto_aead_aes256gcm_beforenm(&aes_state_, key_.data());  // expands the key once per link
  }
}

RecordCipher::~RecordCipher() {
  sodium_memzero(key_.data(), key_.size());
  sodium_memzero(&aes_state_, sizeof aes_state_);
}

std::array<uint8_t, 12> RecordCipher::next_nonce() {
  std::array<uint8_t, 12> nonce{};
  wire::put_u64(nonce.data(), counter_++);
  return nonce;
}

void RecordCipher::seal(std::span<const uint8_t> associated, std::span<const uint8_t> plain, uint8_t* out,
                        uint8_t* tag) {
  auto nonce = next_nonce();
  unsigned long long tag_length = 0;
  if (suite_ == CipherSuite::kAes256Gcm) {
    crypto_aead_aes256gcm_encrypt_detached_afternm(out, tag, &tag_length, plain.data(), plain.size(),
                                                   associated.data(), associated.size(), nullptr,
                                                   nonce.data(), &aes_state_);
  } else {
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, tag, &tag_length, plain.data(), plain.size(),
                                                       associated.data(), associated.size(), nullptr,
                                                       nonce.data(), key_.data());
  }
}

bool RecordCipher::open(std::span<const uint8_t> associated, std::span<uint8_t> data, const uint8_t* tag) {
  auto nonce = next_nonce();
  if (suite_ == CipherSuite::kAes256Gcm) {
    return crypto_aead_aes256gcm_decrypt_detached_afternm(data.data(), nullptr, data.data(), data.size(), tag,
                                                          associated.data(), associated.size(), nonce.data(),
                                                          &aes_state_) == 0;
  }
  return crypto_aead_chacha20poly1305_ietf_decrypt_detached(data.data(), nullptr, data.data(), data.size(), tag,
                                                            associated.data(), associated.size(), nonce.data(),
                                                            key_.data()) == 0;
}

}  // namespace gossip
