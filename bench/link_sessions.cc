#include "bench/link_sessions.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace gossip::bench {
namespace {

using Seconds = std::chrono::duration<double>;

template <typename Work>
double timed(Work&& work) {
  auto start = std::chrono::steady_clock::now();
  work();
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

bool send_all(int fd, const uint8_t* data, std::size_t size) {
  while (size) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool receive_all(int fd, uint8_t* data, std::size_t size) {
  while (size) {
    ssize_t n = recv(fd, data, size, 0);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

addrinfo* resolve(const std::string& host, int port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || !found) {
    throw std::runtime_error("bench: cannot resolve " + host);
  }
  return found;
}

Clock::time_point far_deadline() { return Clock::now() + std::chrono::seconds(120); }

}  // namespace

int Schedule::repetitions(std::size_t bytes) const {
  auto budget = static_cast<long>((std::size_t{512} << 20) / std::max<std::size_t>(bytes, 1));
  return static_cast<int>(std::clamp<long>(budget, 5, max_repetitions));
}

std::size_t Schedule::largest() const { return *std::max_element(sizes.begin(), sizes.end()); }

void Schedule::for_each_turn(const std::function<void(std::size_t, int)>& turn) const {
  for (std::size_t bytes : sizes) {
    for (int rep = -1; rep < repetitions(bytes); ++rep) turn(bytes, rep);
  }
}

RawReceiver::RawReceiver(const std::string& host, int port, std::size_t largest) : buffer_(largest) {
  addrinfo* address = resolve(host, port, true);
  int listener = socket(address->ai_family, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool listening = bind(listener, address->ai_addr, address->ai_addrlen) == 0 && listen(listener, 1) == 0;
  freeaddrinfo(address);
  if (!listening) throw std::runtime_error("bench: cannot listen on " + host + ":" + std::to_string(port));
  fd_ = accept(listener, nullptr, nullptr);
  close(listener);
}

RawReceiver::~RawReceiver() { close(fd_); }

void RawReceiver::turn(std::size_t bytes) {
  uint8_t ack = 1;
  if (!receive_all(fd_, buffer_.data(), bytes) || !send_all(fd_, &ack, 1)) {
    throw std::runtime_error("bench: the raw socket pair broke");
  }
}

RawSender::RawSender(const std::string& host, int port, std::size_t largest) : payload_(largest, 3) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (fd_ < 0) {
    addrinfo* address = resolve(host, port, false);
    int fd = socket(address->ai_family, SOCK_STREAM, 0);
    if (connect(fd, address->ai_addr, address->ai_addrlen) == 0) {
      fd_ = fd;
    } else {
      close(fd);
      if (std::chrono::steady_clock::now() > until) {
        freeaddrinfo(address);
        throw std::runtime_error("bench: cannot reach the raw TCP receiver at " + host + ":" + std::to_string(port));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    freeaddrinfo(address);
  }
}

RawSender::~RawSender() { close(fd_); }

double RawSender::turn(std::size_t bytes) {
  return timed([&] {
    uint8_t ack = 0;
    if (!send_all(fd_, payload_.data(), bytes) || !receive_all(fd_, &ack, 1)) {
      throw std::runtime_error("bench: the raw socket pair broke");
    }
  });
}

LinkReceiver::LinkReceiver(TcpOptions options) : transport_(options), peer_(options.neighbours.at(0)) {}

void LinkReceiver::turn(std::size_t bytes) {
  int from[] = {peer_};
  auto data = transport_.exchange({round_, 1, {}, from, far_deadline()});
  if (data.received.size() != 1 || data.received[0].payload.size() != bytes) {
    throw std::runtime_error("bench: the link receiver missed round " + std::to_string(round_));
  }
  Outgoing answer[] = {{peer_, {}, 0}};
  transport_.exchange({round_++, 2, answer, {}, far_deadline()});
}

LinkSender::LinkSender(TcpOptions options, std::size_t largest)
    : transport_(options), peer_(options.neighbours.at(0)), payload_(largest, 5) {
  if (!transport_.wait_for_links(Clock::now() + std::chrono::seconds(30)).empty()) {
    throw std::runtime_error("bench: no link to peer " + std::to_string(peer_) + " within 30 s");
  }
}

double LinkSender::turn(std::size_t bytes) {
  int from[] = {peer_};
  Outgoing send[] = {{peer_, {payload_.data(), bytes}, 0}};
  return timed([&] {
    auto sent = transport_.exchange({round_, 1, send, {}, far_deadline()});
    auto answered = transport_.exchange({round_++, 2, {}, from, far_deadline()});
    if (!sent.send_failed.empty() || answered.received.size() != 1) {
      throw std::runtime_error("bench: round " + std::to_string(round_ - 1) + " failed");
    }
  });
}

Sealing::Sealing(std::size_t chunk_bytes, CipherSuite suite)
    : chunk_(chunk_bytes), suite_(suite), ours_(suite, key_), plain_(chunk_bytes, 7), sealed_(chunk_bytes) {
  if (suite_ == CipherSuite::kAes256Gcm) crypto_aead_aes256gcm_beforenm(&state_, key_.data());
}

template <typename Seal>
double Sealing::seal_all(std::size_t bytes, Seal&& seal) {
  return timed([&] {
    for (std::size_t done = 0; done < bytes; done += chunk_) seal(std::min(chunk_, bytes - done));
  });
}

double Sealing::libsodium(std::size_t bytes) {
  return seal_all(bytes, [&](std::size_t chunk) {
    ++nonce_[0];
    if (suite_ == CipherSuite::kAes256Gcm) {
      crypto_aead_aes256gcm_encrypt_detached_afternm(sealed_.data(), tag_, nullptr, plain_.data(), chunk, aad_,
                                                     sizeof aad_, nullptr, nonce_.data(), &state_);
    } else {
      crypto_aead_chacha20poly1305_ietf_encrypt_detached(sealed_.data(), tag_, nullptr, plain_.data(), chunk, aad_,
                                                         sizeof aad_, nullptr, nonce_.data(), key_.data());
    }
  });
}

double Sealing::ours(std::size_t bytes) {
  return seal_all(bytes, [&](std::size_t chunk) { ours_.seal(aad_, {plain_.data(), chunk}, sealed_.data(), tag_); });
}

}  // namespace gossip::bench
