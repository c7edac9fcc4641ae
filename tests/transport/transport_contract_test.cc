// The Transport contract (transport/transport.h), one suite run against every
// implementation: payload sizes at the chunk edges, messages lost, late, early and ahead,
// late ones a round missed, skip_unlinked and dont_wait_for, a deadline with no link, link
// status and the bytes on the wire. A layer
// tested over the in-process transport can then trust that TCP behaves the same.
#include <doctest/doctest.h>

#include <thread>

#include "runtime/peer_network.h"
#include "support/payload_pattern.h"
#include "support/test_cluster.h"
#include "transport/inproc/inproc_transport.h"
#include "transport/wire.h"

using namespace gossip;
using namespace std::chrono_literals;

namespace {

// Small records, so that "several chunks" stays cheap.
constexpr std::size_t kChunk = 1024;

// Three peers, all neighbours of each other, each with a transport until stop().
class InprocNetwork {
 public:
  static constexpr bool kEncrypted = true;
  InprocNetwork() : hub_(3, {{.late_rounds = 2}, kChunk, kEncrypted}) {
    for (int peer = 0; peer < 3; ++peer) start(peer);
  }
  Transport& operator[](int peer) { return *transports_[peer]; }
  void start(int peer) { transports_[peer] = hub_.transport(peer); }
  void stop(int peer) { transports_[peer].reset(); }

 private:
  InprocHub hub_;
  std::unique_ptr<Transport> transports_[3];
};

class TcpNetwork {
 public:
  static constexpr bool kEncrypted = true;
  TcpNetwork() : loaded_(load_topology(cluster_.topology_path)) {
    for (int peer = 0; peer < 3; ++peer) start(peer);
    for (int peer = 0; peer < 3; ++peer) REQUIRE(transports_[peer]->wait_for_links(Clock::now() + 5s).empty());
  }
  Transport& operator[](int peer) { return *transports_[peer]; }
  void start(int peer) {
    NetworkSettings settings;
    settings.chunk_bytes = kChunk;
    settings.late_rounds = 2;
    // No keepalives, so the byte counts are the messages' alone.
    settings.keepalive_interval = std::chrono::hours(1);
    settings.dead_after = std::chrono::hours(1);
    settings.log = [](const std::string&) {};
    transports_[peer] = std::make_unique<TcpTransport>(
        tcp_options_for(loaded_, peer, load_identity(cluster_.key_path(peer)), settings));
  }
  void stop(int peer) { transports_[peer].reset(); }

 private:
  testing::TestCluster cluster_{"ring", 3};
  LoadedTopology loaded_;
  std::unique_ptr<TcpTransport> transports_[3];
};

struct Exchanged {
  ExchangeResult result;
  std::vector<std::vector<uint8_t>> payloads;  // copies: the result's spans are lent
  Clock::duration took{};
};

Exchanged exchange(Transport& transport, int64_t round, std::span<const Outgoing> sends, std::vector<int> from,
                   Clock::duration timeout, bool skip_unlinked = false) {
  const auto started = Clock::now();
  Exchanged out;
  out.result = transport.exchange({round, 1, sends, from, started + timeout, skip_unlinked});
  out.took = Clock::now() - started;
  for (const auto& incoming : out.result.received) out.payloads.emplace_back(incoming.payload.begin(), incoming.payload.end());
  return out;
}

// Sends `payload` from `from` to `to` for `round` without waiting for anything.
void send_only(Transport& transport, int to, int64_t round, std::span<const uint8_t> payload) {
  Outgoing sends[] = {{to, payload, 7}};
  auto result = transport.exchange({round, 1, sends, {}, Clock::now() + 5s});
  REQUIRE(result.send_failed.empty());
}

// Waits (bounded) until `done()` holds: a network delivers asynchronously.
template <typename Predicate>
bool eventually(Predicate done, Clock::duration limit = 3s) {
  const auto until = Clock::now() + limit;
  while (!done() && Clock::now() < until) std::this_thread::sleep_for(2ms);
  return done();
}

}  // namespace

TEST_CASE_TEMPLATE("contract: payloads of 0, 1, chunk-1, chunk, chunk+1 and several chunks arrive bit-exact",
                   Network, InprocNetwork, TcpNetwork) {
  Network network;
  int64_t round = 0;
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, kChunk - 1, kChunk, kChunk + 1, 5 * kChunk + 17}) {
    INFO("payload " << size);
    std::vector<uint8_t> payload(size);
    testing::fill_pattern(payload, 0, round);
    const TransportStats sender_before = network[0].stats(), receiver_before = network[1].stats();
    Exchanged got;
    std::thread receiver([&] { got = exchange(network[1], round, {}, {0}, 5s); });
    send_only(network[0], 1, round, payload);
    receiver.join();
    REQUIRE(got.payloads.size() == 1);
    CHECK(got.payloads[0] == payload);
    CHECK(got.result.received[0].peer == 0);
    CHECK(got.result.received[0].codec == 7);
    CHECK(got.result.missing.empty());
    // Every byte a TCP link carries for the message, framing and tags included.
    const uint64_t wire_bytes = wire::message_wire_bytes(size, kChunk, Network::kEncrypted);
    CHECK(network[0].stats().bytes_sent - sender_before.bytes_sent == wire_bytes);
    CHECK(eventually([&] { return network[1].stats().bytes_received - receiver_before.bytes_received == wire_bytes; }));
    ++round;
  }
}

TEST_CASE_TEMPLATE("contract: a message that never comes is missing at the deadline", Network, InprocNetwork,
                   TcpNetwork) {
  Network network;
  Exchanged got = exchange(network[0], 0, {}, {1, 2}, 300ms);
  CHECK(got.result.missing == std::vector<int>{1, 2});
  CHECK(got.result.received.empty());
  CHECK(got.result.ahead.empty());
  CHECK(got.took >= 300ms);
  CHECK(got.took < 1s);
}

TEST_CASE_TEMPLATE("contract: a message for a round already past is dropped and counted, never delivered", Network,
                   InprocNetwork, TcpNetwork) {
  Network network;
  exchange(network[0], 3, {}, {}, 1s);  // peer 0 is at round 3
  const uint64_t late_before = network[0].stats().messages_late;
  const std::vector<uint8_t> stale(10, 0xee);
  send_only(network[1], 0, 2, stale);
  CHECK(eventually([&] { return network[0].stats().messages_late == late_before + 1; }));
  const std::vector<uint8_t> fresh(10, 0x11);
  std::thread sender([&] { send_only(network[1], 0, 3, fresh); });
  Exchanged got = exchange(network[0], 3, {}, {1}, 5s);
  sender.join();
  REQUIRE(got.payloads.size() == 1);
  CHECK(got.payloads[0] == fresh);
}

TEST_CASE_TEMPLATE("contract: early messages wait for their round", Network, InprocNetwork, TcpNetwork) {
  Network network;
  for (int64_t round = 0; round < 3; ++round) {
    send_only(network[1], 0, round, std::vector<uint8_t>(100, static_cast<uint8_t>(round)));
  }
  for (int64_t round = 0; round < 3; ++round) {
    Exchanged got = exchange(network[0], round, {}, {1}, 5s);
    REQUIRE(got.payloads.size() == 1);
    CHECK(got.payloads[0] == std::vector<uint8_t>(100, static_cast<uint8_t>(round)));
  }
}

TEST_CASE_TEMPLATE("contract: a neighbour that has sent a later round is not waited for and is reported ahead",
                   Network, InprocNetwork, TcpNetwork) {
  Network network;
  send_only(network[1], 0, 1, std::vector<uint8_t>(8, 1));  // round 0 skipped
  // Round 1's message is on its way; once it lands, round 0 stops waiting for peer 1.
  Exchanged ahead = exchange(network[0], 0, {}, {1}, 5s);
  CHECK(ahead.took < 1s);
  CHECK(ahead.result.missing == std::vector<int>{1});
  CHECK(ahead.result.ahead == std::vector<std::pair<int, int64_t>>{{1, 1}});
  Exchanged next = exchange(network[0], 1, {}, {1}, 5s);
  CHECK(next.payloads.size() == 1);
}

TEST_CASE_TEMPLATE("contract: a message its round missed is handed to the next exchange of its kind as late",
                   Network, InprocNetwork, TcpNetwork) {
  Network network;
  Exchanged missed = exchange(network[0], 0, {}, {1}, 100ms);
  CHECK(missed.result.missing == std::vector<int>{1});
  send_only(network[1], 0, 0, std::vector<uint8_t>(40, 0x0a));  // round 0's, after its deadline
  std::thread sender([&] { send_only(network[1], 0, 1, std::vector<uint8_t>(40, 0x1b)); });
  ExchangeResult next = network[0].exchange({1, 1, {}, std::vector<int>{1}, Clock::now() + 5s});
  sender.join();
  CHECK(next.missing.empty());
  REQUIRE(next.late.size() == 1);
  CHECK(next.late[0].round == 0);
  CHECK(next.late[0].message.peer == 1);
  CHECK(std::vector<uint8_t>(next.late[0].message.payload.begin(), next.late[0].message.payload.end()) ==
        std::vector<uint8_t>(40, 0x0a));
}

TEST_CASE_TEMPLATE("contract: a neighbour in dont_wait_for is taken if there but never waited for", Network,
                   InprocNetwork, TcpNetwork) {
  Network network;
  send_only(network[1], 0, 0, std::vector<uint8_t>(8, 1));
  const int stalled[] = {2};
  const std::vector<int> from{1, 2};
  const auto started = Clock::now();
  ExchangeResult result = network[0].exchange({0, 1, {}, from, started + 5s, false, stalled});
  CHECK(Clock::now() - started < 1s);
  CHECK(result.missing == std::vector<int>{2});
  REQUIRE(result.received.size() == 1);
  CHECK(result.received[0].peer == 1);
  // Its message, there before the others' are complete, is taken.
  const uint64_t received_before = network[0].stats().bytes_received;
  send_only(network[2], 0, 1, std::vector<uint8_t>(8, 2));
  CHECK(eventually([&] { return network[0].stats().bytes_received > received_before; }));
  std::thread sender([&] { send_only(network[1], 0, 1, std::vector<uint8_t>(8, 1)); });
  ExchangeResult both = network[0].exchange({1, 1, {}, from, Clock::now() + 5s, false, stalled});
  sender.join();
  CHECK(both.missing.empty());
}

TEST_CASE_TEMPLATE("contract: a neighbour without a link fails the send, and skip_unlinked does not wait for it",
                   Network, InprocNetwork, TcpNetwork) {
  Network network;
  network.stop(2);
  REQUIRE(eventually([&] { return network[0].linked_peers() == std::vector<int>{1}; }));
  const std::vector<uint8_t> payload(64, 3);
  Outgoing sends[] = {{1, payload, 0}, {2, payload, 0}};
  std::thread receiver([&] { exchange(network[1], 0, {}, {0}, 5s); });
  Exchanged skipped = exchange(network[0], 0, sends, {2}, 5s, true);
  receiver.join();
  CHECK(skipped.result.missing == std::vector<int>{2});
  CHECK(skipped.result.send_failed == std::vector<int>{2});
  CHECK(skipped.took < 1s);

  // Without skip_unlinked the same exchange waits out its deadline.
  Exchanged waited = exchange(network[0], 1, sends, {2}, 300ms);
  CHECK(waited.result.missing == std::vector<int>{2});
  CHECK(waited.result.send_failed == std::vector<int>{2});
  CHECK(waited.took >= 300ms);
  CHECK(waited.took < 1s);
}

TEST_CASE_TEMPLATE("contract: link status follows neighbours going and coming back", Network, InprocNetwork,
                   TcpNetwork) {
  Network network;
  CHECK(network[0].linked_peers() == std::vector<int>{1, 2});
  CHECK(network[0].wait_for_links(Clock::now() + 1s).empty());
  network.stop(1);
  REQUIRE(eventually([&] { return network[0].linked_peers() == std::vector<int>{2}; }));
  const auto started = Clock::now();
  CHECK(network[0].wait_for_links(started + 200ms) == std::vector<int>{1});
  CHECK(Clock::now() - started >= 200ms);
  std::thread restart([&] {
    std::this_thread::sleep_for(100ms);
    network.start(1);
  });
  CHECK(network[0].wait_for_links(Clock::now() + 5s).empty());
  restart.join();
  CHECK(network[0].linked_peers() == std::vector<int>{1, 2});
}

TEST_CASE_TEMPLATE("contract: an exchange called after its deadline sends nothing", Network, InprocNetwork,
                   TcpNetwork) {
  Network network;
  const std::vector<uint8_t> payload(100, 9);
  Outgoing sends[] = {{1, payload, 0}};
  const uint64_t sent_before = network[0].stats().bytes_sent;
  auto result = network[0].exchange({0, 1, sends, {}, Clock::now() - 1ms});
  CHECK(result.send_failed == std::vector<int>{1});
  CHECK(network[0].stats().bytes_sent == sent_before);
  CHECK(network[0].linked_peers() == std::vector<int>{1, 2});
}

TEST_CASE_TEMPLATE("contract: requests no transport can carry out throw", Network, InprocNetwork, TcpNetwork) {
  Network network;
  const std::vector<uint8_t> payload(4);
  Outgoing to_nobody[] = {{3, payload, 0}};
  CHECK_THROWS_AS(network[0].exchange({0, 1, to_nobody, {}, Clock::now() + 1s}), std::invalid_argument);
  int from_nobody[] = {-1};
  CHECK_THROWS_AS(network[0].exchange({0, 1, {}, from_nobody, Clock::now() + 1s}), std::invalid_argument);
}
