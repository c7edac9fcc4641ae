// How each point is measured: one round is "peer 0 sends S bytes, peer 1 receives all
// of them and answers with an empty message, peer 0 receives the answer", so the time
// covers delivery, not just handing bytes to the kernel. Peer 1 is a forked child
// process, so sender and receiver each have a core, as two real peers would. The five
// measurements (raw socket pair, plaintext link, encrypted link, libsodium sealing, our
// sealing) take turns within every repetition, so the ratios compare the same moments of
// a noisy machine. Each size runs one warm-up turn, then `repetitions` timed turns; the
// table shows medians. Throughput is S / time, in GB/s (10^9 bytes).
#include "bench/link_bench.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <stdexcept>

#include <sodium.h>

#include "transport/cipher.h"
#include "transport/tcp/tcp_transport.h"

namespace gossip::bench {
namespace {

using Seconds = std::chrono::duration<double>;

int repetitions_for(std::size_t bytes, int max_repetitions) {
  auto budget = static_cast<long>((std::size_t{512} << 20) / std::max<std::size_t>(bytes, 1));
  return static_cast<int>(std::clamp<long>(budget, 5, max_repetitions));
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::size_t largest(const LinkBenchOptions& options) {
  return *std::max_element(options.sizes.begin(), options.sizes.end());
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

// Runs `child` in a forked process; returns its pid.
pid_t fork_child(const std::function<int()>& child) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("bench: fork failed");
  if (pid == 0) _exit(child());
  return pid;
}

void reap(pid_t pid, const char* what) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error(std::string("bench: the ") + what + " child failed");
  }
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

template <typename Round>
double timed(Round&& round) {
  auto start = std::chrono::steady_clock::now();
  round();
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

// Calls `turn(bytes)` once to warm up, then `repetitions` times, for every size in order:
// the schedule every child follows too.
void for_each_turn(const LinkBenchOptions& options, const std::function<void(std::size_t, int)>& turn) {
  for (std::size_t bytes : options.sizes) {
    for (int rep = -1; rep < repetitions_for(bytes, options.max_repetitions); ++rep) turn(bytes, rep);
  }
}

// The same round trip over a bare socket pair: the ceiling for any TCP transport.
class RawSession {
 public:
  explicit RawSession(const LinkBenchOptions& options) : payload_(largest(options), 3) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(listener, 1);
    socklen_t length = sizeof address;
    getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    child_ = fork_child([&] {
      close(listener);
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return 1;
      std::vector<uint8_t> buffer(largest(options));
      uint8_t ack = 1;
      bool ok = true;
      for_each_turn(options, [&](std::size_t bytes, int) {
        ok = ok && receive_all(fd, buffer.data(), bytes) && send_all(fd, &ack, 1);
      });
      return ok ? 0 : 1;
    });
    fd_ = accept(listener, nullptr, nullptr);
    close(listener);
  }
  ~RawSession() { close(fd_); }
  double round(std::size_t bytes) {
    return timed([&] {
      uint8_t ack = 0;
      if (!send_all(fd_, payload_.data(), bytes) || !receive_all(fd_, &ack, 1)) {
        throw std::runtime_error("bench: the raw socket pair broke");
      }
    });
  }
  void finish() { reap(child_, "raw TCP"); }

 private:
  std::vector<uint8_t> payload_;
  pid_t child_ = -1;
  int fd_ = -1;
};

TcpOptions bench_peer(int self, const std::vector<Identity>& identities, const std::vector<int>& ports,
                      bool plaintext, const LinkBenchOptions& options) {
  TcpOptions tcp;
  tcp.self = self;
  for (int i = 0; i < 2; ++i) tcp.peers.push_back({"127.0.0.1", static_cast<uint16_t>(ports[i]), identities[i].public_key});
  tcp.neighbours = {1 - self};
  tcp.identity = identities[self];
  tcp.plaintext = plaintext;
  tcp.max_message_bytes = largest(options);
  tcp.chunk_bytes = options.chunk_bytes;
  tcp.batch_bytes = options.batch_bytes;
  tcp.dead_after = std::chrono::seconds(60);
  tcp.log = [](const std::string&) {};  // the plaintext warning would scroll the table away
  return tcp;
}

Clock::time_point far_deadline() { return Clock::now() + std::chrono::seconds(120); }

// A link between this process (peer 0) and a forked peer 1. Round r: peer 0 sends S bytes
// as kind 1; peer 1 answers with an empty kind-2 message once it has them all. Construct
// every session's child before starting any (start() creates threads; fork must not).
class LinkSession {
 public:
  LinkSession(const LinkBenchOptions& options, bool plaintext)
      : options_(options), plaintext_(plaintext), identities_{generate_identity(), generate_identity()},
        ports_{free_port(), free_port()}, payload_(largest(options), 5) {
    child_ = fork_child([&] {
      TcpTransport peer(bench_peer(1, identities_, ports_, plaintext_, options_));
      int64_t round = 0;
      int from[] = {0};
      bool ok = true;
      for_each_turn(options_, [&](std::size_t bytes, int) {
        auto data = peer.exchange({round, 1, {}, from, far_deadline()});
        ok = ok && data.received.size() == 1 && data.received[0].payload.size() == bytes;
        Outgoing ack[] = {{0, {}, 0}};
        peer.exchange({round++, 2, ack, {}, far_deadline()});
      });
      return ok ? 0 : 1;
    });
  }
  void start() {
    peer_ = std::make_unique<TcpTransport>(bench_peer(0, identities_, ports_, plaintext_, options_));
    if (!peer_->wait_for_links(Clock::now() + std::chrono::seconds(10)).empty()) {
      throw std::runtime_error("bench: the two peers did not link within 10 s");
    }
  }
  double round(std::size_t bytes) {
    int from[] = {1};
    Outgoing send[] = {{1, {payload_.data(), bytes}, 0}};
    return timed([&] {
      auto sent = peer_->exchange({round_, 1, send, {}, far_deadline()});
      auto acked = peer_->exchange({round_++, 2, {}, from, far_deadline()});
      if (!sent.send_failed.empty() || acked.received.size() != 1) throw std::runtime_error("bench: a round failed");
    });
  }
  void finish() {
    peer_.reset();
    reap(child_, plaintext_ ? "plaintext" : "encrypted");
  }

 private:
  const LinkBenchOptions& options_;
  bool plaintext_;
  std::vector<Identity> identities_;
  std::vector<int> ports_;
  std::vector<uint8_t> payload_;
  pid_t child_ = -1;
  std::unique_ptr<TcpTransport> peer_;
  int64_t round_ = 0;
};

// Sealing alone, on this core, in the transport's record size.
class SealingSession {
 public:
  SealingSession(const LinkBenchOptions& options, CipherSuite suite)
      : chunk_(options.chunk_bytes), suite_(suite), ours_(suite, key_), plain_(chunk_, 7), sealed_(chunk_) {
    if (suite_ == CipherSuite::kAes256Gcm) crypto_aead_aes256gcm_beforenm(&state_, key_.data());
  }
  // libsodium's own AEAD for the suite: the reference the goal is stated against.
  double libsodium(std::size_t bytes) {
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
  // The record cipher the links use (OpenSSL for AES-256-GCM).
  double ours(std::size_t bytes) {
    return seal_all(bytes, [&](std::size_t chunk) { ours_.seal(aad_, {plain_.data(), chunk}, sealed_.data(), tag_); });
  }

 private:
  template <typename Seal>
  double seal_all(std::size_t bytes, Seal&& seal) {
    return timed([&] {
      for (std::size_t done = 0; done < bytes; done += chunk_) seal(std::min(chunk_, bytes - done));
    });
  }

  std::size_t chunk_;
  CipherSuite suite_;
  std::array<uint8_t, 32> key_{};
  std::array<uint8_t, 12> nonce_{};
  uint8_t aad_[8] = {}, tag_[16] = {};
  crypto_aead_aes256gcm_state state_;
  RecordCipher ours_;
  std::vector<uint8_t> plain_, sealed_;
};

std::string size_name(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " B";
}

}  // namespace

LinkBenchReport run_link_bench(const LinkBenchOptions& options, const std::function<void(const std::string&)>& progress) {
  CipherSuite suite = (local_cipher_suites() & (1 << static_cast<int>(CipherSuite::kAes256Gcm)))
                          ? CipherSuite::kAes256Gcm
                          : CipherSuite::kChaCha20Poly1305;
  progress("starting the peer processes");
  RawSession raw(options);
  LinkSession plaintext(options, true), encrypted(options, false);
  plaintext.start();
  encrypted.start();
  SealingSession sealing(options, suite);
  LinkBenchReport report{cipher_suite_name(suite), {}};
  std::array<std::vector<double>, 5> times;  // raw, plaintext, encrypted, libsodium, ours
  for_each_turn(options, [&](std::size_t bytes, int rep) {
    if (rep == -1) {
      progress(size_name(bytes));
      for (auto& column : times) column.clear();
    }
    double turn[5] = {raw.round(bytes), plaintext.round(bytes), encrypted.round(bytes), sealing.libsodium(bytes),
                      sealing.ours(bytes)};
    if (rep >= 0) {
      for (int i = 0; i < 5; ++i) times[i].push_back(turn[i]);
    }
    if (rep + 1 == repetitions_for(bytes, options.max_repetitions)) {
      auto rate = [&](int i) { return static_cast<double>(bytes) / median(times[i]); };
      report.rows.push_back({bytes, rep + 1, rate(0), rate(1), rate(3), rate(4), rate(2)});
    }
  });
  raw.finish();
  plaintext.finish();
  encrypted.finish();
  return report;
}

std::string format_link_bench(const LinkBenchReport& report) {
  std::string text = "one link on loopback, median GB/s (10^9 bytes/s); records sealed with " + report.cipher_suite + "\n";
  text += "    size  reps   raw TCP  plaintext  plain/raw   libsodium  our cipher  encrypted  enc/libsodium  enc/ours\n";
  char line[200];
  for (const auto& row : report.rows) {
    std::snprintf(line, sizeof line, "%8s  %4d  %8.2f  %9.2f  %9.2f   %9.2f  %10.2f  %9.2f  %13.2f  %8.2f\n",
                  size_name(row.bytes).c_str(), row.repetitions, row.raw_tcp / 1e9, row.plaintext / 1e9,
                  row.plaintext / row.raw_tcp, row.aead / 1e9, row.record_cipher / 1e9, row.encrypted / 1e9,
                  row.encrypted / row.aead, row.encrypted / row.record_cipher);
    text += line;
  }
  text += "libsodium / our cipher: sealing alone on one core (our cipher: OpenSSL for AES-256-GCM).\n"
          "goals for 4 MiB and up: plain/raw >= 0.70, enc/libsodium >= 0.80\n";
  return text;
}

nlohmann::json link_bench_json(const LinkBenchReport& report) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : report.rows) {
    rows.push_back({{"bytes", row.bytes},
                    {"repetitions", row.repetitions},
                    {"raw_tcp_bytes_per_second", row.raw_tcp},
                    {"plaintext_bytes_per_second", row.plaintext},
                    {"libsodium_aead_bytes_per_second", row.aead},
                    {"record_cipher_bytes_per_second", row.record_cipher},
                    {"encrypted_bytes_per_second", row.encrypted},
                    {"plaintext_over_raw", row.plaintext / row.raw_tcp},
                    {"encrypted_over_libsodium", row.encrypted / row.aead},
                    {"encrypted_over_record_cipher", row.encrypted / row.record_cipher}});
  }
  return {{"cipher_suite", report.cipher_suite}, {"statistic", "median"}, {"rows", rows}};
}

}  // namespace gossip::bench
