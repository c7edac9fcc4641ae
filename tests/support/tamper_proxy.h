// A man in the middle on loopback for security tests: forwards a TCP connection both
// ways and, on the first connection only, alters the first record the dialer sends
// after the handshake (flip a byte, replay it, or rewrite its length); or, with
// kFlipEveryOtherMessage, flips a byte of every second message-sized record the dialer
// sends, on every connection: a link reset every other round.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "transport/handshake.h"
#include "transport/wire.h"

namespace gossip::testing {

enum class Tamper { kNone, kFlipBody, kReplay, kHugeLength, kFlipEveryOtherMessage };

class TamperProxy {
 public:
  TamperProxy(int target_port, Tamper tamper) : target_port_(target_port), tamper_(tamper) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address = loopback(0);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener_, 16);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~TamperProxy() {
    stopping_ = true;
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    {
      std::lock_guard lock(mutex_);
      for (int fd : sockets_) shutdown(fd, SHUT_RDWR);
    }
    acceptor_.join();
    for (auto& thread : pumps_) thread.join();
    for (int fd : sockets_) close(fd);
  }
  int port() const { return port_; }
  int tampered() const { return tampered_; }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    return address;
  }
  static bool read_exact(int fd, uint8_t* data, size_t size) {
    while (size) {
      ssize_t n = read(fd, data, size);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }
  static bool write_all(int fd, const uint8_t* data, size_t size) {
    while (size) {
      ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  void accept_loop() {
    for (int connection = 0; !stopping_; ++connection) {
      int client = accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      int server = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in address = loopback(target_port_);
      if (connect(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close(client);
        close(server);
        continue;
      }
      std::lock_guard lock(mutex_);
      sockets_.push_back(client);
      sockets_.push_back(server);
      bool tamper = (connection == 0 && tamper_ != Tamper::kNone) || tamper_ == Tamper::kFlipEveryOtherMessage;
      pumps_.emplace_back([client, server] { plain_pump(server, client); });
      pumps_.emplace_back([this, client, server, tamper] { dialer_pump(client, server, tamper); });
    }
  }

  static void plain_pump(int from, int to) {
    uint8_t buffer[65536];
    for (ssize_t n; (n = read(from, buffer, sizeof buffer)) > 0;) {
      if (!write_all(to, buffer, static_cast<size_t>(n))) break;
    }
    shutdown(to, SHUT_RDWR);
  }

  // Dialer -> listener: hello and finish pass, then records are parsed one by one.
  void dialer_pump(int from, int to, bool tamper) {
    for (size_t size : {kHelloBytes, kFinishBytes}) {  // the finish only comes after the reply
      std::vector<uint8_t> bytes(size);
      if (!read_exact(from, bytes.data(), bytes.size()) || !write_all(to, bytes.data(), bytes.size())) {
        shutdown(to, SHUT_RDWR);
        return;
      }
    }
    for (bool first = true;; first = false) {
      uint8_t length[8];
      if (!read_exact(from, length, 8)) break;
      std::vector<uint8_t> body(wire::get_u64(length));
      if (!read_exact(from, body.data(), body.size())) break;
      if (tamper && tamper_ == Tamper::kFlipEveryOtherMessage && body.size() > 1024 && ++messages_ % 2 == 0) {
        ++tampered_;
        body[body.size() / 2] ^= 0x01;
      } else if (tamper && first && tamper_ != Tamper::kFlipEveryOtherMessage) {
        ++tampered_;
        if (tamper_ == Tamper::kFlipBody) body[body.size() / 2] ^= 0x01;
        if (tamper_ == Tamper::kHugeLength) wire::put_u64(length, 1ULL << 60);
        if (tamper_ == Tamper::kReplay) {
          write_all(to, length, 8);
          write_all(to, body.data(), body.size());
        }
      }
      if (!write_all(to, length, 8) || !write_all(to, body.data(), body.size())) break;
    }
    shutdown(to, SHUT_RDWR);
  }

  int target_port_;
  Tamper tamper_;
  std::atomic<int> messages_{0};  // message-sized records from dialers, every connection
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> tampered_{0};
  std::mutex mutex_;
  std::vector<int> sockets_;
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
};

}  // namespace gossip::testing
