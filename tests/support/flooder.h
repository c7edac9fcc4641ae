// A stranger flooding a peer's port with idle TCP connections that never say hello.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace gossip::testing {

// A stranger at another address (127.0.0.2) holding `count` idle connections to a port,
// reconnecting each one the peer drops, for as long as it lives.
class Flooder {
 public:
  Flooder(int port, int count) : fds_(static_cast<size_t>(count), -1) {
    thread_ = std::thread([this, port] {
      while (!stop_) {
        for (int& fd : fds_) {
          if (fd >= 0) {
            pollfd check{fd, POLLIN, 0};
            char byte;
            if (poll(&check, 1, 0) == 0 || recv(fd, &byte, 1, MSG_DONTWAIT) > 0) continue;
            close(fd);  // dropped by the peer: connect again
          }
          fd = connect_from(port);
          if (fd >= 0) ++connects_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      for (int fd : fds_) {
        if (fd >= 0) close(fd);
      }
    });
  }
  ~Flooder() {
    stop_ = true;
    thread_.join();
  }
  int connects() const { return connects_; }

 private:
  static int connect_from(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in local{}, remote{};
    local.sin_family = remote.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(0x7f000002);  // 127.0.0.2
    remote.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    remote.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
        connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  std::vector<int> fds_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connects_{0};
  std::thread thread_;
};

}  // namespace gossip::testing
