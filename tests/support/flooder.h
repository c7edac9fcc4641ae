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
// reconnecting the ones the peer drops every `pause`, for as long as it lives. The peer
// holds only a few strangers' connections per address and refuses the rest at once, so a
// short pause is a storm of connects, refusals and reconnects (which on this machine also
// costs the flooder's own CPU, shared with the peers); a stranger across a network retries
// at the pace of its round trips.
class Flooder {
 public:
  Flooder(int port, int count, std::chrono::milliseconds pause = std::chrono::milliseconds(5))
      : fds_(static_cast<size_t>(count), -1) {
    thread_ = std::thread([this, port, pause] {
      std::vector<pollfd> watched(fds_.size());
      while (!stop_) {
        // Connect what is not connected, then sleep in one poll until the peer drops some.
        for (size_t i = 0; i < fds_.size(); ++i) {
          if (fds_[i] < 0 && (fds_[i] = connect_from(port)) >= 0) ++connects_;
          watched[i] = {fds_[i], POLLIN, 0};
        }
        if (poll(watched.data(), watched.size(), static_cast<int>(pause.count())) > 0) {
          for (size_t i = 0; i < fds_.size(); ++i) {
            char byte;
            if (fds_[i] < 0 || !watched[i].revents || recv(fds_[i], &byte, 1, MSG_DONTWAIT) > 0) continue;
            close(fds_[i]);  // dropped by the peer: connect again
            fds_[i] = -1;
          }
        }
        std::this_thread::sleep_for(pause);
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
