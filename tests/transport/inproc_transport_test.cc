#include <doctest/doctest.h>

#include <thread>

#include "transport/inproc/inproc_transport.h"

using namespace gossip;
using namespace std::chrono_literals;

TEST_CASE("inproc: peers on a ring exchange for many rounds and a dropped link is reported missing") {
  constexpr int kPeers = 4, kRounds = 50;
  InprocHub hub(kPeers);
  hub.set_filter([](int from, int to, int64_t round) { return !(from == 1 && to == 2 && round == 30); });
  auto transports = hub.transports();
  std::vector<std::thread> threads;
  std::vector<int> missing_rounds(kPeers, 0), wrong(kPeers, 0);
  for (int self = 0; self < kPeers; ++self) {
    threads.emplace_back([&, self] {
      auto& transport = transports[self];
      int left = (self + kPeers - 1) % kPeers, right = (self + 1) % kPeers;
      for (int round = 0; round < kRounds; ++round) {
        std::vector<uint8_t> payload(static_cast<size_t>(round), static_cast<uint8_t>(self * 100 + round));
        Outgoing sends[] = {{left, payload, 0}, {right, payload, 0}};
        int from[] = {left, right};
        auto deadline = Clock::now() + (round == 30 && self == 2 ? 50ms : 5s);
        auto result = transport->exchange({round, 1, sends, from, deadline});
        missing_rounds[self] += static_cast<int>(result.missing.size());
        for (const auto& incoming : result.received) {
          bool exact = incoming.payload.size() == static_cast<size_t>(round) &&
                       std::all_of(incoming.payload.begin(), incoming.payload.end(), [&](uint8_t b) {
                         return b == static_cast<uint8_t>(incoming.peer * 100 + round);
                       });
          wrong[self] += !exact;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong == std::vector<int>(kPeers, 0));
  CHECK(missing_rounds == std::vector<int>{0, 0, 1, 0});
}

TEST_CASE("inproc: an outage scripted by round takes a link down on both ends for exactly those rounds") {
  InprocHub hub(3);
  hub.set_outage([](int a, int b, int64_t round) { return a == 0 && b == 1 && round >= 5 && round < 8; });
  auto transports = hub.transports();
  std::vector<std::vector<int64_t>> missed(3), failed(3);
  std::vector<std::thread> threads;
  for (int self = 0; self < 3; ++self) {
    threads.emplace_back([&, self] {
      const std::vector<uint8_t> payload(16, static_cast<uint8_t>(self));
      std::vector<int> others;
      std::vector<Outgoing> sends;
      for (int peer = 0; peer < 3; ++peer) {
        if (peer == self) continue;
        others.push_back(peer);
        sends.push_back({peer, payload, 0});
      }
      for (int64_t round = 0; round < 12; ++round) {
        if (self == 2) std::this_thread::sleep_for(1ms);  // peers 0 and 1 run apart
        auto result = transports[self]->exchange({round, 1, sends, others, Clock::now() + 5s, true});
        if (!result.missing.empty()) missed[self].push_back(round);
        if (!result.send_failed.empty()) failed[self].push_back(round);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::vector<int64_t> outage{5, 6, 7};
  CHECK(missed[0] == outage);
  CHECK(missed[1] == outage);
  CHECK(failed[0] == outage);
  CHECK(failed[1] == outage);
  CHECK(missed[2].empty());
  CHECK(failed[2].empty());
}

TEST_CASE("inproc: a cut link is down for both ends until it is restored") {
  InprocHub hub(3);
  auto transports = hub.transports();
  hub.set_link(2, 0, false);
  CHECK(transports[0]->linked_peers() == std::vector<int>{1});
  CHECK(transports[2]->linked_peers() == std::vector<int>{1});
  CHECK(transports[0]->wait_for_links(Clock::now() + 50ms) == std::vector<int>{2});
  const std::vector<uint8_t> payload(4);
  Outgoing sends[] = {{2, payload, 0}};
  CHECK(transports[0]->exchange({0, 1, sends, {}, Clock::now() + 1s}).send_failed == std::vector<int>{2});
  hub.set_link(0, 2, true);
  CHECK(transports[0]->wait_for_links(Clock::now() + 1s).empty());
  CHECK(transports[0]->exchange({1, 1, sends, {}, Clock::now() + 1s}).send_failed.empty());
}
