// The TCP transport against bad actors, with real sockets on loopback: unknown keys,
// stolen identities, garbage, silent clients, mixed modes, and a man in the middle who
// flips, replays or rewrites records. The attacked peer refuses or drops the link and
// keeps running; the honest link comes back.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <thread>

#include "runtime/peer_network.h"
#include "support/flooder.h"
#include "support/tamper_proxy.h"
#include "support/test_cluster.h"

using namespace gossip;
using namespace std::chrono_literals;

namespace {

class LogCapture {
 public:
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
    };
  }
  bool contains(const std::string& part) const {
    std::lock_guard lock(mutex_);
    for (const auto& line : lines_) {
      if (line.find(part) != std::string::npos) return true;
    }
    return false;
  }
  std::string all() const {
    std::lock_guard lock(mutex_);
    std::string text;
    for (const auto& line : lines_) text += line + "\n";
    return text;
  }
  // Waits up to `limit` for a line containing `part`.
  bool wait_for(const std::string& part, std::chrono::milliseconds limit = 3000ms) const {
    auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      if (contains(part)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return contains(part);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

struct Pair {
  testing::TestCluster cluster{"ring", 2};
  LoadedTopology loaded = load_topology(cluster.topology_path);
  LogCapture log0, log1;

  TcpOptions options(int self, LogCapture& log, bool plaintext = false) {
    NetworkSettings settings;
    settings.plaintext = plaintext;
    settings.handshake_timeout = 1000ms;
    settings.keepalive_interval = 100ms;
    settings.log = log.sink();
    return tcp_options_for(loaded, self, load_identity(cluster.key_path(self)), settings);
  }
};

int connect_raw(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  return fd;
}

// One round between peers 0 and 1, each on its own thread; true if both got the other's bytes.
bool one_round(Transport& a, Transport& b, int64_t round) {
  std::vector<uint8_t> payload_a(5000, 0xa0), payload_b(5000, 0xb0);
  bool ok_a = false, ok_b = false;
  auto run = [round](Transport& self, std::vector<uint8_t>& payload, uint8_t expect, bool& ok) {
    int other = 1 - self.self();
    Outgoing sends[] = {{other, payload, 0}};
    int from[] = {other};
    auto result = self.exchange({round, 1, sends, from, Clock::now() + 3s});
    ok = result.received.size() == 1 && result.received[0].payload.size() == 5000 && result.received[0].payload[42] == expect;
  };
  std::thread other([&] { run(b, payload_b, 0xa0, ok_b); });
  run(a, payload_a, 0xb0, ok_a);
  other.join();
  return ok_a && ok_b;
}

}  // namespace

TEST_CASE("two honest peers link and exchange") {
  Pair pair;
  TcpTransport zero(pair.options(0, pair.log0)), one(pair.options(1, pair.log1));
  CHECK(zero.wait_for_links(Clock::now() + 3s).empty());
  CHECK(one_round(zero, one, 0));
  CHECK(one_round(zero, one, 1));
  CHECK(zero.stats().links_up == 1);
}

TEST_CASE("a key not in the topology file is refused and logged with its address") {
  Pair pair;
  TcpTransport zero(pair.options(0, pair.log0));
  TcpOptions impostor = pair.options(1, pair.log1);
  impostor.identity = generate_identity();
  TcpTransport one(impostor);
  CHECK(pair.log0.wait_for("refused connection from 127.0.0.1:"));
  CHECK(pair.log0.contains("claims to be peer 1 but its signature does not match that peer's key in the topology file"));
  CHECK(zero.linked_peers().empty());
  CHECK(zero.stats().handshakes_refused >= 1);
}

TEST_CASE("a valid peer claiming another id is refused") {
  testing::TestCluster cluster("complete", 3);
  LoadedTopology loaded = load_topology(cluster.topology_path);
  LogCapture log0, log2;
  NetworkSettings settings;
  settings.log = log0.sink();
  TcpTransport zero(tcp_options_for(loaded, 0, load_identity(cluster.key_path(0)), settings));
  settings.log = log2.sink();
  TcpOptions liar = tcp_options_for(loaded, 2, load_identity(cluster.key_path(2)), settings);
  liar.identity = load_identity(cluster.key_path(1));  // peer 1's real key, claiming to be peer 2
  TcpTransport two(liar);
  CHECK(log0.wait_for("claims to be peer 2 but its signature does not match that peer's key"));
  CHECK(zero.linked_peers().empty());
}

TEST_CASE("garbage before the handshake is refused and the peer keeps serving") {
  Pair pair;
  TcpTransport zero(pair.options(0, pair.log0));
  int fd = connect_raw(pair.loaded.file.peers[0].port);
  std::string garbage(200, 'G');
  CHECK(write(fd, garbage.data(), garbage.size()) == static_cast<ssize_t>(garbage.size()));
  CHECK(pair.log0.wait_for("not a gossip peer (bad handshake magic)"));
  close(fd);
  TcpTransport one(pair.options(1, pair.log1));
  CHECK(zero.wait_for_links(Clock::now() + 3s).empty());
  CHECK(one_round(zero, one, 0));
}

TEST_CASE("clients that connect and send nothing do not block other handshakes") {
  Pair pair;
  TcpTransport zero(pair.options(0, pair.log0));
  std::vector<int> silent;
  for (int i = 0; i < 8; ++i) silent.push_back(connect_raw(pair.loaded.file.peers[0].port));
  auto started = Clock::now();
  TcpTransport one(pair.options(1, pair.log1));
  CHECK(zero.wait_for_links(Clock::now() + 3s).empty());
  CHECK(Clock::now() - started < 900ms);  // well before the 1 s handshake timeout frees anyone
  CHECK(pair.log0.wait_for("no hello within 1000 ms"));
  for (int fd : silent) close(fd);
}


TEST_CASE("200 idle connections from a stranger, kept topped up, do not delay a real link") {
  Pair pair;
  TcpOptions options = pair.options(0, pair.log0);
  options.handshake_timeout = 5000ms;  // the default: a stranger's slot is freed by the 1 s hello deadline instead
  TcpTransport zero(options);
  testing::Flooder flood(pair.loaded.file.peers[0].port, 200);
  std::this_thread::sleep_for(300ms);  // the flood is in place before the real peer comes
  const auto started = Clock::now();
  TcpTransport one(pair.options(1, pair.log1));
  CHECK(zero.wait_for_links(Clock::now() + 5s).empty());
  const auto took = Clock::now() - started;
  MESSAGE("linked in " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms under "
                       << flood.connects() << " connects");
  CHECK(took < 1s);
  CHECK(one_round(zero, one, 0));
  CHECK(pair.log0.wait_for("refused connection from 127.0.0.2"));
  CHECK(pair.log0.contains("too many handshakes in flight"));
}

TEST_CASE("a plaintext peer cannot talk to an encrypted one") {
  Pair pair;
  TcpTransport zero(pair.options(0, pair.log0, false));
  TcpTransport one(pair.options(1, pair.log1, true));
  CHECK(pair.log0.wait_for("peer 1 is plaintext, this peer is encrypted: every peer must use the same mode"));
  CHECK(pair.log1.contains("PLAINTEXT MODE"));
  CHECK(zero.linked_peers().empty());
}

TEST_CASE("tampered frames close the link, the peer keeps running, the link comes back") {
  for (auto [tamper, expected] : {std::pair{testing::Tamper::kFlipBody, "failed authentication"},
                                  std::pair{testing::Tamper::kReplay, "failed authentication"},
                                  std::pair{testing::Tamper::kHugeLength, "record length 1152921504606846976"}}) {
    Pair pair;
    testing::TamperProxy proxy(pair.loaded.file.peers[0].port, tamper);
    TcpTransport zero(pair.options(0, pair.log0));
    TcpOptions dialer = pair.options(1, pair.log1);
    dialer.peers[0].port = static_cast<uint16_t>(proxy.port());  // peer 1 reaches peer 0 through the proxy
    TcpTransport one(dialer);
    INFO("peer 0 log:\n" << pair.log0.all() << "peer 1 log:\n" << pair.log1.all());
    CHECK(pair.log0.wait_for(expected));
    CHECK(proxy.tampered() == 1);
    // Peer 1 redials through the proxy, which now passes everything through.
    auto until = Clock::now() + 5s;
    while (zero.stats().links_up < 2 && Clock::now() < until) std::this_thread::sleep_for(10ms);
    CHECK(zero.stats().links_up == 2);
    CHECK(one_round(zero, one, 0));
  }
}

TEST_CASE("an exchange called after its deadline sends nothing and keeps the link") {
  Pair pair;
  TcpTransport zero(pair.options(0, pair.log0)), one(pair.options(1, pair.log1));
  REQUIRE(zero.wait_for_links(Clock::now() + 3s).empty());
  std::vector<uint8_t> payload(1000);
  Outgoing sends[] = {{1, payload, 0}};
  auto result = zero.exchange({0, 1, sends, {}, Clock::now() - 1ms});
  CHECK(result.send_failed == std::vector<int>{1});
  CHECK(zero.stats().links_down == 0);
  CHECK(one_round(zero, one, 1));
}

TEST_CASE("a second process with a linked peer's key is refused, the established link kept") {
  Pair pair;
  TcpTransport zero(pair.options(0, pair.log0)), one(pair.options(1, pair.log1));
  REQUIRE(zero.wait_for_links(Clock::now() + 3s).empty());
  LogCapture duplicate_log;
  TcpOptions duplicate = pair.options(1, duplicate_log);
  duplicate.peers[1].port = testing::free_ports(1).front();  // the same identity, listening elsewhere
  TcpTransport twin(duplicate);
  CHECK(pair.log0.wait_for("a second connection authenticated as peer 1; keeping its live link from 127.0.0.1:"));
  std::this_thread::sleep_for(1500ms);  // the twin keeps redialing
  CHECK(zero.stats().links_up == 1);    // never replaced
  CHECK(one_round(zero, one, 0));
  CHECK(one_round(zero, one, 1));
}

TEST_CASE("a link reset every other round costs no round its timeout: the lost message is sent again on the new link") {
  Pair pair;
  testing::TamperProxy proxy(pair.loaded.file.peers[0].port, testing::Tamper::kFlipEveryOtherMessage);
  TcpTransport zero(pair.options(0, pair.log0));
  TcpOptions dialer = pair.options(1, pair.log1);
  dialer.peers[0].port = static_cast<uint16_t>(proxy.port());
  TcpTransport one(dialer);
  REQUIRE(zero.wait_for_links(Clock::now() + 3s).empty());
  int missing = 0;
  for (int64_t round = 0; round < 12; ++round) {
    CAPTURE(round);
    std::vector<uint8_t> payload_a(5000, 0xa0), payload_b(5000, 0xb0);
    ExchangeResult result_a, result_b;
    const auto started = Clock::now();
    auto run = [round](Transport& self, std::vector<uint8_t>& payload, ExchangeResult& result) {
      const int other = 1 - self.self();
      Outgoing sends[] = {{other, payload, 0}};
      int from[] = {other};
      result = self.exchange({round, 1, sends, from, Clock::now() + 5s});
    };
    std::thread other([&] { run(one, payload_b, result_b); });
    run(zero, payload_a, result_a);
    other.join();
    CHECK(Clock::now() - started < 2s);  // never the 5 s deadline
    missing += static_cast<int>(result_a.missing.size() + result_b.missing.size());
  }
  MESSAGE(proxy.tampered() << " resets, " << missing << " messages missing in 12 rounds");
  CHECK(proxy.tampered() >= 5);
  CHECK(missing <= proxy.tampered());  // at most one missing neighbour per reset
}

namespace {

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("an authenticated neighbour flooding future rounds and bogus kinds cannot grow the peer past its bound") {
  Pair pair;
  TcpOptions options = pair.options(0, pair.log0);
  options.inbox.kinds = {1};
  options.inbox.max_bytes_per_peer = 4 << 20;  // four 1 MiB messages
  TcpTransport zero(options), one(pair.options(1, pair.log1));
  REQUIRE(zero.wait_for_links(Clock::now() + 3s).empty());
  const std::size_t before = resident_bytes();
  std::vector<uint8_t> payload(1 << 20, 0x5a);
  Outgoing sends[] = {{0, payload, 0}};
  for (int64_t round = 0; round < 5; ++round) {
    for (int kind = 1; kind < 60; ++kind) {  // kind 1 is the run's; the others are bogus
      one.exchange({round, static_cast<uint8_t>(kind), sends, {}, Clock::now() + 2s});
    }
  }
  std::this_thread::sleep_for(300ms);  // let peer 0 read the last of it
  const std::size_t grown = resident_bytes() - std::min(before, resident_bytes());
  const TransportStats stats = zero.stats();
  MESSAGE("resident memory grew " << grown / 1024 << " KiB; dropped " << stats.messages_unknown_kind
                                  << " of unknown kinds, " << stats.messages_early_dropped << " over the bound");
  CHECK(stats.messages_unknown_kind == 5 * 58);
  CHECK(stats.messages_early_dropped >= 1);  // the fifth 1 MiB message of kind 1
  CHECK(stats.inbox_bytes <= (4u << 20));
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  CHECK(grown < (8u << 20));  // unbounded, 32 messages of 1 MiB would be held
#else
  MESSAGE("resident memory not checked: a sanitizer's shadow memory grows with the peer's");
#endif
}

TEST_CASE("links rekey after a bounded number of records: a fresh handshake, no round lost to a timeout") {
  Pair pair;
  TcpOptions zero_options = pair.options(0, pair.log0), one_options = pair.options(1, pair.log1);
  zero_options.max_records_per_key = one_options.max_records_per_key = 24;  // a message is 2 records here
  TcpTransport zero(zero_options), one(one_options);
  REQUIRE(zero.wait_for_links(Clock::now() + 3s).empty());
  for (int64_t round = 0; round < 40; ++round) {
    CAPTURE(round);
    const auto started = Clock::now();
    one_round(zero, one, round);  // may miss one message when a rekey lands mid-round
    CHECK(Clock::now() - started < 2s);
  }
  MESSAGE(zero.stats().links_up << " links in 40 rounds");
  CHECK(zero.stats().links_up >= 3);
  CHECK((pair.log0.contains("rekeying after") || pair.log1.contains("rekeying after")));
  CHECK(one_round(zero, one, 40));
}
