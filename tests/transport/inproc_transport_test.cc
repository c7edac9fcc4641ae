#include <doctest/doctest.h>

#include <thread>

#include "transport/inproc/inproc_transport.h"

using namespace gossip;
using namespace std::chrono_literals;

TEST_CASE("inproc: peers on a ring exchange for many rounds and a dropped link is reported missing") {
  constexpr int kPeers = 4, kRounds = 50;
  InprocHub hub(kPeers);
  hub.set_filter([](int from, int to, int64_t round) { return !(from == 1 && to == 2 && round == 30); });
  std::vector<std::thread> threads;
  std::vector<int> missing_rounds(kPeers, 0), wrong(kPeers, 0);
  for (int self = 0; self < kPeers; ++self) {
    threads.emplace_back([&, self] {
      auto transport = hub.transport(self);
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
