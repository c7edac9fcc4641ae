#include "transport/cipher.h"

#include <openssl/evp.h>

#include <climits>
#include <limits>
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

RecordCipher::RecordCipher(CipherSuite suite, const std::array<uint8_t, 32>& key, uint64_t first_record)
    : suite_(suite), key_(key), counter_(first_record) {
  require_sodium();
  if (suite_ != CipherSuite::kAes256Gcm) return;
  // Only with AES-NI: OpenSSL's fallback AES uses tables, which leak timing.
  if (!crypto_aead_aes256gcm_is_available()) throw std::runtime_error("AES-256-GCM is not available on this CPU");
  aes_ = EVP_CIPHER_CTX_new();
  if (!aes_ || EVP_CipherInit_ex(aes_, EVP_aes_256_gcm(), nullptr, key_.data(), nullptr, 1) != 1 ||
      EVP_CIPHER_CTX_ctrl(aes_, EVP_CTRL_GCM_SET_IVLEN, 12, nullptr) != 1) {
    EVP_CIPHER_CTX_free(aes_);
    throw std::runtime_error("OpenSSL could not set up AES-256-GCM");
  }
}

RecordCipher::~RecordCipher() {
  sodium_memzero(key_.data(), key_.size());
  EVP_CIPHER_CTX_free(aes_);  // clears the expanded key
}

std::optional<std::array<uint8_t, 12>> RecordCipher::next_nonce() {
  if (counter_ == std::numeric_limits<uint64_t>::max()) return std::nullopt;
  std::array<uint8_t, 12> nonce{};
  wire::put_u64(nonce.data(), counter_++);
  return nonce;
}

void RecordCipher::seal(std::span<const uint8_t> associated, std::span<const uint8_t> plain, uint8_t* out,
                        uint8_t* tag) {
  const auto next = next_nonce();
  if (!next) throw std::logic_error("record counter spent: this link should have rekeyed long ago");
  const std::array<uint8_t, 12>& nonce = *next;
  unsigned long long tag_length = 0;
  if (suite_ == CipherSuite::kAes256Gcm) {
    if (plain.size() > INT_MAX) throw std::invalid_argument("record larger than 2 GiB");
    int length = 0;
    bool ok = EVP_CipherInit_ex(aes_, nullptr, nullptr, nullptr, nonce.data(), 1) == 1 &&
              EVP_EncryptUpdate(aes_, nullptr, &length, associated.data(), static_cast<int>(associated.size())) == 1 &&
              EVP_EncryptUpdate(aes_, out, &length, plain.data(), static_cast<int>(plain.size())) == 1 &&
              EVP_EncryptFinal_ex(aes_, out + length, &length) == 1 &&
              EVP_CIPHER_CTX_ctrl(aes_, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
    if (!ok) throw std::runtime_error("OpenSSL AES-256-GCM encryption failed");
  } else {
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, tag, &tag_length, plain.data(), plain.size(),
                                                       associated.data(), associated.size(), nullptr,
                                                       nonce.data(), key_.data());
  }
}

bool RecordCipher::open(std::span<const uint8_t> associated, std::span<uint8_t> data, const uint8_t* tag) {
  const auto next = next_nonce();
  if (!next) return false;
  const std::array<uint8_t, 12>& nonce = *next;
  if (suite_ == CipherSuite::kAes256Gcm) {
    if (data.size() > INT_MAX) return false;
    int length = 0;
    // Decrypts in place; on a bad tag the caller discards the buffer and closes the link.
    return EVP_CipherInit_ex(aes_, nullptr, nullptr, nullptr, nonce.data(), 0) == 1 &&
           EVP_DecryptUpdate(aes_, nullptr, &length, associated.data(), static_cast<int>(associated.size())) == 1 &&
           EVP_DecryptUpdate(aes_, data.data(), &length, data.data(), static_cast<int>(data.size())) == 1 &&
           EVP_CIPHER_CTX_ctrl(aes_, EVP_CTRL_GCM_SET_TAG, 16, const_cast<uint8_t*>(tag)) == 1 &&
           EVP_DecryptFinal_ex(aes_, data.data() + length, &length) == 1;
  }
  return crypto_aead_chacha20poly1305_ietf_decrypt_detached(data.data(), nullptr, data.data(), data.size(), tag,
                                                            associated.data(), associated.size(), nonce.data(),
                                                            key_.data()) == 0;
}

}  // namespace gossip
