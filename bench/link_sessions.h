// The two ends of each `gossip bench link` measurement. A sender times one turn; the
// receiver answers it. Locally each receiver is a forked child; across two hosts the
// receiving peer runs the receivers in the same order as the sender's turns.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "transport/cipher.h"
#include "transport/tcp/tcp_transport.h"

namespace gossip::bench {

// Which sizes, how often: identical on both ends, so they stay in step without talking.
struct Schedule {
  std::vector<std::size_t> sizes;
  int max_repetitions = 40;
  int repetitions(std::size_t bytes) const;  // timed turns; one warm-up turn comes first
  std::size_t largest() const;
  // turn(bytes, rep) with rep = -1 for the warm-up.
  void for_each_turn(const std::function<void(std::size_t bytes, int rep)>& turn) const;
};

// A bare TCP socket pair: the receiver listens, reads S bytes, answers one byte.
class RawReceiver {
 public:
  RawReceiver(const std::string& host, int port, std::size_t largest);  // waits for the sender
  ~RawReceiver();
  void turn(std::size_t bytes);

 private:
  int fd_ = -1;
  std::vector<uint8_t> buffer_;
};

class RawSender {
 public:
  RawSender(const std::string& host, int port, std::size_t largest);  // retries for 10 s
  ~RawSender();
  double turn(std::size_t bytes);  // seconds

 private:
  int fd_ = -1;
  std::vector<uint8_t> payload_;
};

// A gossip link: round r, the sender's S bytes as kind 1, the receiver's empty kind-2 answer.
class LinkReceiver {
 public:
  explicit LinkReceiver(TcpOptions options);
  void turn(std::size_t bytes);

 private:
  TcpTransport transport_;
  int peer_;
  int64_t round_ = 0;
};

class LinkSender {
 public:
  LinkSender(TcpOptions options, std::size_t largest);  // waits up to 30 s for the link
  double turn(std::size_t bytes);

 private:
  TcpTransport transport_;
  int peer_;
  std::vector<uint8_t> payload_;
  int64_t round_ = 0;
};

// Sealing alone on this core, in records of `chunk_bytes`: libsodium's AEAD for the
// suite (the reference the goal is stated against) and the links' own record cipher.
class Sealing {
 public:
  Sealing(std::size_t chunk_bytes, CipherSuite suite);
  double libsodium(std::size_t bytes);
  double ours(std::size_t bytes);

 private:
  template <typename Seal>
  double seal_all(std::size_t bytes, Seal&& seal);

  std::size_t chunk_;
  CipherSuite suite_;
  std::array<uint8_t, 32> key_{};
  std::array<uint8_t, 12> nonce_{};
  uint8_t aad_[8] = {}, tag_[16] = {};
  crypto_aead_aes256gcm_state state_;
  RecordCipher ours_;
  std::vector<uint8_t> plain_, sealed_;
};

}  // namespace gossip::bench
