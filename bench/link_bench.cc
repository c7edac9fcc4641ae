// How each point is measured: one turn is "the sender sends S bytes, the receiver takes
// all of them and answers with an empty message, the sender receives the answer", so the
// time covers delivery, not just handing bytes to the kernel. Locally the receivers are
// forked child processes, so sender and receiver each have a core, as two real peers
// would. The measurements (raw socket pair, plaintext link, encrypted link, libsodium
// sealing, our sealing) take turns within every repetition, so the ratios compare the
// same moments of a noisy machine. Each size runs one warm-up turn, then its timed
// turns; the table shows medians. Throughput is S / time, in GB/s (10^9 bytes).
#include "bench/link_bench.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

#include "bench/link_sessions.h"
#include "runtime/peer_network.h"

namespace gossip::bench {
namespace {

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

// Runs `serve` in a forked child; a thrown error there becomes a non-zero exit.
pid_t fork_child(const std::function<void()>& serve) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("bench: fork failed");
  if (pid == 0) {
    try {
      serve();
      _exit(0);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "bench child: %s\n", error.what());
      _exit(1);
    }
  }
  return pid;
}

void reap(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("bench: a receiver process failed");
}

CipherSuite best_suite() {
  return (local_cipher_suites() & (1 << static_cast<int>(CipherSuite::kAes256Gcm))) ? CipherSuite::kAes256Gcm
                                                                                    : CipherSuite::kChaCha20Poly1305;
}

TcpOptions local_peer(int self, const std::vector<Identity>& identities, const std::vector<int>& ports,
                      bool plaintext, const LinkBenchOptions& options, std::size_t largest) {
  TcpOptions tcp;
  tcp.self = self;
  for (int i = 0; i < 2; ++i) tcp.peers.push_back({"127.0.0.1", static_cast<uint16_t>(ports[i]), identities[i].public_key});
  tcp.neighbours = {1 - self};
  tcp.identity = identities[self];
  tcp.plaintext = plaintext;
  tcp.max_message_bytes = largest;
  tcp.chunk_bytes = options.chunk_bytes;
  tcp.batch_bytes = options.batch_bytes;
  tcp.dead_after = std::chrono::seconds(60);
  tcp.log = [](const std::string&) {};  // the plaintext warning would scroll the table away
  return tcp;
}

// Collects one column per measurement and turns them into rows of medians.
class Table {
 public:
  Table(const Schedule& schedule, LinkBenchReport& report) : schedule_(schedule), report_(report) {}
  // `measure` returns seconds per column (raw, plaintext, encrypted, libsodium, ours), < 0 if not run.
  void turn(std::size_t bytes, int rep, const std::array<double, 5>& seconds) {
    if (rep == -1) {
      for (auto& column : times_) column.clear();
      return;
    }
    for (int i = 0; i < 5; ++i) times_[i].push_back(seconds[i]);
    if (rep + 1 < schedule_.repetitions(bytes)) return;
    auto rate = [&](int i) { return times_[i][0] < 0 ? 0.0 : static_cast<double>(bytes) / median(times_[i]); };
    report_.rows.push_back({bytes, rep + 1, rate(0), rate(1), rate(3), rate(4), rate(2)});
  }

 private:
  const Schedule& schedule_;
  LinkBenchReport& report_;
  std::array<std::vector<double>, 5> times_;
};

LinkBenchReport run_local(const LinkBenchOptions& options, const Schedule& schedule,
                          const std::function<void(const std::string&)>& progress) {
  progress("starting the receiver processes");
  const std::size_t largest = schedule.largest();
  int raw_port = free_port();
  std::vector<Identity> identities = {generate_identity(), generate_identity()};
  std::vector<int> plain_ports = {free_port(), free_port()}, secure_ports = {free_port(), free_port()};
  std::vector<pid_t> children;
  children.push_back(fork_child([&] {
    RawReceiver raw("127.0.0.1", raw_port, largest);
    schedule.for_each_turn([&](std::size_t bytes, int) { raw.turn(bytes); });
  }));
  for (bool plaintext : {true, false}) {
    children.push_back(fork_child([&] {
      LinkReceiver link(local_peer(1, identities, plaintext ? plain_ports : secure_ports, plaintext, options, largest));
      schedule.for_each_turn([&](std::size_t bytes, int) { link.turn(bytes); });
    }));
  }
  // Threads only from here on: every fork is done.
  RawSender raw("127.0.0.1", raw_port, largest);
  LinkSender plain(local_peer(0, identities, plain_ports, true, options, largest), largest);
  LinkSender secure(local_peer(0, identities, secure_ports, false, options, largest), largest);
  Sealing sealing(options.chunk_bytes, best_suite());
  LinkBenchReport report{cipher_suite_name(best_suite()), "loopback, two local processes", {}, false};
  Table table(schedule, report);
  schedule.for_each_turn([&](std::size_t bytes, int rep) {
    if (rep == -1) progress("measuring " + std::to_string(bytes) + " bytes");
    table.turn(bytes, rep, {raw.turn(bytes), plain.turn(bytes), secure.turn(bytes), sealing.libsodium(bytes),
                            sealing.ours(bytes)});
  });
  for (pid_t child : children) reap(child);
  return report;
}

LinkBenchReport run_remote(const LinkBenchOptions& options, const Schedule& schedule,
                           const std::function<void(const std::string&)>& progress) {
  const RemoteLink& remote = *options.remote;
  LoadedTopology loaded = load_topology(remote.topology_path);
  const int n = static_cast<int>(loaded.file.peers.size());
  if (remote.peer < 0 || remote.peer >= n || remote.peer == remote.id) {
    throw ConfigError("bench link: --peer " + std::to_string(remote.peer) + " must be another peer of " +
                      remote.topology_path + " (ids 0.." + std::to_string(n - 1) + ")");
  }
  std::string key_path = remote.key_path.empty() ? default_key_path(remote.topology_path, remote.id) : remote.key_path;
  NetworkSettings settings;
  settings.plaintext = remote.plaintext;
  settings.chunk_bytes = options.chunk_bytes;
  settings.max_message_bytes = schedule.largest();
  settings.dead_after = std::chrono::seconds(60);
  TcpOptions tcp = tcp_options_for(loaded, remote.id, load_identity(key_path), settings);
  tcp.neighbours = {remote.peer};
  tcp.batch_bytes = options.batch_bytes;
  bool sending = remote.id < remote.peer;
  const PeerInfo& receiver = loaded.file.peers[sending ? remote.peer : remote.id];
  const PeerInfo& sender = loaded.file.peers[sending ? remote.id : remote.peer];
  LinkBenchReport report{cipher_suite_name(best_suite()),
                         "peer " + std::to_string(sender.id) + " (" + sender.host + ") -> peer " +
                             std::to_string(receiver.id) + " (" + receiver.host + "), " +
                             (remote.plaintext ? "plaintext" : "encrypted"),
                         {}, !sending};
  if (!sending) {
    progress("serving peer " + std::to_string(remote.peer) + "'s measurement; raw TCP on port " +
             std::to_string(receiver.port + 1));
    LinkReceiver link(tcp);
    RawReceiver raw(receiver.host, receiver.port + 1, schedule.largest());
    schedule.for_each_turn([&](std::size_t bytes, int) {
      raw.turn(bytes);
      link.turn(bytes);
    });
    return report;
  }
  LinkSender link(tcp, schedule.largest());
  RawSender raw(receiver.host, receiver.port + 1, schedule.largest());
  Sealing sealing(options.chunk_bytes, best_suite());
  Table table(schedule, report);
  schedule.for_each_turn([&](std::size_t bytes, int rep) {
    if (rep == -1) progress("measuring " + std::to_string(bytes) + " bytes");
    double raw_seconds = raw.turn(bytes), link_seconds = link.turn(bytes);
    table.turn(bytes, rep, {raw_seconds, remote.plaintext ? link_seconds : -1.0, remote.plaintext ? -1.0 : link_seconds,
                            sealing.libsodium(bytes), sealing.ours(bytes)});
  });
  return report;
}

std::string size_name(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " B";
}

// "1.23", or "-" for a column not measured.
std::string cell(double numerator, double denominator, double scale = 1.0) {
  if (numerator <= 0 || denominator <= 0) return "-";
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", numerator / denominator / scale);
  return text;
}

}  // namespace

LinkBenchReport run_link_bench(const LinkBenchOptions& options, const std::function<void(const std::string&)>& progress) {
  if (options.sizes.empty()) throw ConfigError("bench link: --sizes is empty");
  Schedule schedule{options.sizes, options.max_repetitions};
  return options.remote ? run_remote(options, schedule, progress) : run_local(options, schedule, progress);
}

std::string format_link_bench(const LinkBenchReport& report) {
  if (report.receiver_only) return "served the measurement of " + report.where + "; the sender prints the table\n";
  std::string text = "one link, " + report.where + ": median GB/s (10^9 bytes/s); records sealed with " +
                     report.cipher_suite + "\n";
  text += "    size  reps   raw TCP  plaintext  plain/raw   libsodium  our cipher  encrypted  enc/libsodium  enc/ours\n";
  char line[200];
  for (const auto& row : report.rows) {
    std::snprintf(line, sizeof line, "%8s  %4d  %8s  %9s  %9s   %9s  %10s  %9s  %13s  %8s\n", size_name(row.bytes).c_str(),
                  row.repetitions, cell(row.raw_tcp, 1, 1e9).c_str(), cell(row.plaintext, 1, 1e9).c_str(),
                  cell(row.plaintext, row.raw_tcp).c_str(), cell(row.aead, 1, 1e9).c_str(),
                  cell(row.record_cipher, 1, 1e9).c_str(), cell(row.encrypted, 1, 1e9).c_str(),
                  cell(row.encrypted, row.aead).c_str(), cell(row.encrypted, row.record_cipher).c_str());
    text += line;
  }
  text += "libsodium / our cipher: sealing alone on one core (our cipher: OpenSSL for AES-256-GCM).\n"
          "goals for 4 MiB and up: plain/raw >= 0.70, enc/libsodium >= 0.80\n";
  return text;
}

nlohmann::json link_bench_json(const LinkBenchReport& report) {
  nlohmann::json rows = nlohmann::json::array();
  auto ratio = [](double a, double b) { return a > 0 && b > 0 ? nlohmann::json(a / b) : nlohmann::json(nullptr); };
  auto rate = [](double a) { return a > 0 ? nlohmann::json(a) : nlohmann::json(nullptr); };
  for (const auto& row : report.rows) {
    rows.push_back({{"bytes", row.bytes},
                    {"repetitions", row.repetitions},
                    {"raw_tcp_bytes_per_second", rate(row.raw_tcp)},
                    {"plaintext_bytes_per_second", rate(row.plaintext)},
                    {"libsodium_aead_bytes_per_second", rate(row.aead)},
                    {"record_cipher_bytes_per_second", rate(row.record_cipher)},
                    {"encrypted_bytes_per_second", rate(row.encrypted)},
                    {"plaintext_over_raw", ratio(row.plaintext, row.raw_tcp)},
                    {"encrypted_over_libsodium", ratio(row.encrypted, row.aead)},
                    {"encrypted_over_record_cipher", ratio(row.encrypted, row.record_cipher)}});
  }
  return {{"where", report.where}, {"cipher_suite", report.cipher_suite}, {"statistic", "median"}, {"rows", rows}};
}

}  // namespace gossip::bench
