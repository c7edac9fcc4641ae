// How each point is measured: one round is "peer 0 sends S bytes, peer 1 receives all
// of them and answers with an empty message, peer 0 receives the answer", so the time
// covers delivery, not just handing bytes to the kernel. Each size runs one warm-up
// round, then `repetitions` timed rounds; the table shows the median. Throughput is
// S / round time, in GB/s (10^9 bytes). Peer 1 is a forked child process, so sender
// and receiver each have a core, as two real peers would.
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

// Sealing alone, on this core, in the transport's record size: `seal` encrypts one record.
std::vector<double> measure_sealing(const LinkBenchOptions& options,
                                    const std::function<void(std::span<const uint8_t>, uint8_t*, uint8_t*)>& seal) {
  std::vector<double> rates;
  std::vector<uint8_t> plain(options.chunk_bytes, 7), sealed(options.chunk_bytes);
  uint8_t tag[16];
  for (std::size_t bytes : options.sizes) {
    std::vector<double> times;
    for (int rep = -1; rep < repetitions_for(bytes, options.max_repetitions); ++rep) {
      auto start = std::chrono::steady_clock::now();
      for (std::size_t done = 0; done < bytes; done += options.chunk_bytes) {
        seal({plain.data(), std::min(options.chunk_bytes, bytes - done)}, sealed.data(), tag);
      }
      if (rep >= 0) times.push_back(Seconds(std::chrono::steady_clock::now() - start).count());
    }
    rates.push_back(static_cast<double>(bytes) / median(times));
  }
  return rates;
}

// libsodium's own AEAD for the suite: the reference the goal is stated against.
std::vector<double> measure_libsodium(const LinkBenchOptions& options, CipherSuite suite) {
  std::array<uint8_t, 32> key{};
  std::array<uint8_t, 12> nonce{};
  uint8_t aad[8] = {};
  crypto_aead_aes256gcm_state state;
  if (suite == CipherSuite::kAes256Gcm) crypto_aead_aes256gcm_beforenm(&state, key.data());
  return measure_sealing(options, [&](std::span<const uint8_t> plain, uint8_t* out, uint8_t* tag) {
    ++nonce[0];
    if (suite == CipherSuite::kAes256Gcm) {
      crypto_aead_aes256gcm_encrypt_detached_afternm(out, tag, nullptr, plain.data(), plain.size(), aad, sizeof aad,
                                                     nullptr, nonce.data(), &state);
    } else {
      crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, tag, nullptr, plain.data(), plain.size(), aad,
                                                         sizeof aad, nullptr, nonce.data(), key.data());
    }
  });
}

// The record cipher the links use (OpenSSL for AES-256-GCM).
std::vector<double> measure_record_cipher(const LinkBenchOptions& options, CipherSuite suite) {
  RecordCipher cipher(suite, std::array<uint8_t, 32>{});
  uint8_t aad[8] = {};
  return measure_sealing(options, [&](std::span<const uint8_t> plain, uint8_t* out, uint8_t* tag) {
    cipher.seal(aad, plain, out, tag);
  });
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

// The same round trip over a bare socket pair: the ceiling for any TCP transport.
std::vector<double> measure_raw_tcp(const LinkBenchOptions& options) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address);
  listen(listener, 1);
  socklen_t length = sizeof address;
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  std::size_t largest = *std::max_element(options.sizes.begin(), options.sizes.end());
  pid_t child = fork_child([&] {
    close(listener);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return 1;
    std::vector<uint8_t> buffer(largest);
    uint8_t ack = 1;
    for (std::size_t bytes : options.sizes) {
      for (int rep = -1; rep < repetitions_for(bytes, options.max_repetitions); ++rep) {
        if (!receive_all(fd, buffer.data(), bytes) || !send_all(fd, &ack, 1)) return 1;
      }
    }
    close(fd);
    return 0;
  });
  int fd = accept(listener, nullptr, nullptr);
  close(listener);
  std::vector<uint8_t> payload(largest, 3);
  std::vector<double> rates;
  for (std::size_t bytes : options.sizes) {
    std::vector<double> times;
    for (int rep = -1; rep < repetitions_for(bytes, options.max_repetitions); ++rep) {
      uint8_t ack = 0;
      auto start = std::chrono::steady_clock::now();
      if (!send_all(fd, payload.data(), bytes) || !receive_all(fd, &ack, 1)) throw std::runtime_error("bench: raw socket broke");
      if (rep >= 0) times.push_back(Seconds(std::chrono::steady_clock::now() - start).count());
    }
    rates.push_back(static_cast<double>(bytes) / median(times));
  }
  close(fd);
  reap(child, "raw TCP");
  return rates;
}

TcpOptions bench_peer(int self, const std::vector<Identity>& identities, const std::vector<int>& ports,
                      bool plaintext, const LinkBenchOptions& options) {
  TcpOptions tcp;
  tcp.self = self;
  for (int i = 0; i < 2; ++i) tcp.peers.push_back({"127.0.0.1", static_cast<uint16_t>(ports[i]), identities[i].public_key});
  tcp.neighbours = {1 - self};
  tcp.identity = identities[self];
  tcp.plaintext = plaintext;
  tcp.max_message_bytes = *std::max_element(options.sizes.begin(), options.sizes.end());
  tcp.chunk_bytes = options.chunk_bytes;
  tcp.batch_bytes = options.batch_bytes;
  tcp.dead_after = std::chrono::seconds(60);
  tcp.log = [](const std::string&) {};  // the plaintext warning would scroll the table away
  return tcp;
}

// Round r: peer 0 sends S bytes as kind 1; peer 1 answers with an empty kind-2 message
// once it has them all.
std::vector<double> measure_transport(const LinkBenchOptions& options, bool plaintext) {
  std::vector<Identity> identities = {generate_identity(), generate_identity()};
  std::vector<int> ports = {free_port(), free_port()};
  auto deadline = [] { return Clock::now() + std::chrono::seconds(120); };
  pid_t child = fork_child([&] {
    TcpTransport peer(bench_peer(1, identities, ports, plaintext, options));
    int64_t round = 0;
    int from[] = {0};
    for (std::size_t bytes : options.sizes) {
      for (int rep = -1; rep < repetitions_for(bytes, options.max_repetitions); ++rep, ++round) {
        auto data = peer.exchange({round, 1, {}, from, deadline()});
        if (data.received.size() != 1 || data.received[0].payload.size() != bytes) return 1;
        Outgoing ack[] = {{0, {}, 0}};
        peer.exchange({round, 2, ack, {}, deadline()});
      }
    }
    return 0;
  });
  TcpTransport peer(bench_peer(0, identities, ports, plaintext, options));
  if (!peer.wait_for_links(Clock::now() + std::chrono::seconds(10)).empty()) {
    throw std::runtime_error("bench: the two peers did not link within 10 s");
  }
  std::vector<uint8_t> payload(*std::max_element(options.sizes.begin(), options.sizes.end()), 5);
  std::vector<double> rates;
  int64_t round = 0;
  int from[] = {1};
  for (std::size_t bytes : options.sizes) {
    std::vector<double> times;
    for (int rep = -1; rep < repetitions_for(bytes, options.max_repetitions); ++rep, ++round) {
      Outgoing send[] = {{1, {payload.data(), bytes}, 0}};
      auto start = std::chrono::steady_clock::now();
      auto sent = peer.exchange({round, 1, send, {}, deadline()});
      auto acked = peer.exchange({round, 2, {}, from, deadline()});
      if (!sent.send_failed.empty() || acked.received.size() != 1) throw std::runtime_error("bench: a round failed");
      if (rep >= 0) times.push_back(Seconds(std::chrono::steady_clock::now() - start).count());
    }
    rates.push_back(static_cast<double>(bytes) / median(times));
  }
  reap(child, plaintext ? "plaintext" : "encrypted");
  return rates;
}

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
  progress("libsodium AEAD alone");
  auto aead = measure_libsodium(options, suite);
  progress("the record cipher alone");
  auto record_cipher = measure_record_cipher(options, suite);
  progress("raw TCP socket pair");
  auto raw = measure_raw_tcp(options);
  progress("plaintext link");
  auto plaintext = measure_transport(options, true);
  progress("encrypted link");
  auto encrypted = measure_transport(options, false);
  LinkBenchReport report{cipher_suite_name(suite), {}};
  for (std::size_t i = 0; i < options.sizes.size(); ++i) {
    report.rows.push_back({options.sizes[i], repetitions_for(options.sizes[i], options.max_repetitions), raw[i],
                           plaintext[i], aead[i], record_cipher[i], encrypted[i]});
  }
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
