// DeviceLinkTransport over in-process TCP stand-ins and in-memory channels
// (support/memory_channels.h): messages to channel neighbours take the channel and the
// rest the wrapped transport, and every way a channel can fail (it cannot start, a
// neighbour stalls, the two ends' exchanges part) ends on TCP, said once, with only the
// failing exchange's messages missing.
#include <doctest/doctest.h>

#include <algorithm>
#include <barrier>
#include <functional>
#include <mutex>
#include <thread>

#include "support/memory_channels.h"
#include "support/time_scale.h"
#include "transport/device_link_transport.h"
#include "transport/inproc/inproc_transport.h"

using namespace gossip;
using namespace std::chrono_literals;

namespace {

constexpr uint8_t kSetup = 6, kModel = 1;

// A wait of `ms` milliseconds, stretched for a sanitizer build.
std::chrono::milliseconds scaled(int ms) {
  return std::chrono::milliseconds(static_cast<int64_t>(ms * testing::time_scale()));
}

struct Peers {
  Peers(int count, std::vector<std::vector<int>> plans, std::chrono::milliseconds patience = 5000ms)
      : hub(count), inner(hub.transports()), logs(count) {
    for (int self = 0; self < count; ++self) {
      factories.push_back(std::make_unique<testing::MemoryChannelFactory>(channels, self));
      DeviceLinkOptions options{plans[self], 64, kSetup, patience, patience, [this, self](const std::string& line) {
                                  std::lock_guard lock(log_mutex);
                                  logs[self].push_back(line);
                                }};
      outer.push_back(std::make_unique<DeviceLinkTransport>(*inner[self], *factories[self], options));
    }
  }

  // Runs every peer on its own thread: `rounds(self)` are the rounds it exchanges in (as
  // many for every peer: they take their k-th exchange together, in step), each with every
  // other peer, a payload of round % 5 bytes of self * 16 + round % 16; returns for each
  // peer the rounds in which a neighbour was missing or its payload was wrong.
  std::vector<std::vector<int64_t>> run(const std::function<std::vector<int64_t>(int)>& rounds,
                                        std::chrono::milliseconds deadline) {
    const int count = static_cast<int>(outer.size());
    std::vector<std::vector<int64_t>> bad(count);
    std::barrier step(count);
    std::vector<std::thread> threads;
    for (int self = 0; self < count; ++self) {
      threads.emplace_back([&, self] {
        for (int64_t round : rounds(self)) {
          const std::vector<uint8_t> payload(static_cast<size_t>(round % 5), static_cast<uint8_t>(self * 16 + round % 16));
          std::vector<Outgoing> sends;
          std::vector<int> from;
          for (int peer = 0; peer < count; ++peer) {
            if (peer == self) continue;
            sends.push_back({peer, payload, 3});
            from.push_back(peer);
          }
          const ExchangeResult result = outer[self]->exchange({round, kModel, sends, from, Clock::now() + deadline, true});
          bool right = result.missing.empty() && result.received.size() == from.size();
          for (size_t k = 0; right && k < result.received.size(); ++k) {
            const Incoming& incoming = result.received[k];
            right = incoming.peer == from[k] && incoming.codec == 3 && incoming.payload.size() == payload.size() &&
                    std::all_of(incoming.payload.begin(), incoming.payload.end(), [&](uint8_t b) {
                      return b == static_cast<uint8_t>(incoming.peer * 16 + round % 16);
                    });
          }
          if (!right) bad[self].push_back(round);
          step.arrive_and_wait();
        }
      });
    }
    for (auto& thread : threads) thread.join();
    return bad;
  }

  std::vector<int64_t> all_rounds(int64_t count) const {
    std::vector<int64_t> rounds(static_cast<size_t>(count));
    for (int64_t r = 0; r < count; ++r) rounds[static_cast<size_t>(r)] = r;
    return rounds;
  }

  testing::MemoryChannelHub channels;
  InprocHub hub;
  std::vector<std::unique_ptr<Transport>> inner;
  std::vector<std::unique_ptr<testing::MemoryChannelFactory>> factories;
  std::vector<std::unique_ptr<DeviceLinkTransport>> outer;
  std::mutex log_mutex;
  std::vector<std::vector<std::string>> logs;
};

bool logged(const std::vector<std::string>& lines, const std::string& part) {
  return std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
           return line.find(part) != std::string::npos;
         }) == 1;
}

}  // namespace

TEST_CASE("device links: channel neighbours get every message over the channel, the others over TCP, in order") {
  // Peers 0 and 1 share a channel; peer 2 reaches both over TCP.
  Peers peers(3, {{1}, {0}, {}});
  const auto bad = peers.run([&](int) { return peers.all_rounds(20); }, 5s);
  CHECK(bad == std::vector<std::vector<int64_t>>(3));
  CHECK(peers.outer[0]->channel_peers() == std::vector<int>{1});
  CHECK(peers.outer[1]->channel_peers() == std::vector<int>{0});
  CHECK(peers.outer[2]->channel_peers().empty());
  CHECK(logged(peers.logs[0], "MEM: peer(s) 1 reached device to device (not encrypted"));
  // What crossed the channel: 20 frames each way, each the header and the 64-byte limit.
  const std::size_t frames = 20 * (DeviceLinkTransport::kHeaderBytes + 64);
  CHECK(peers.outer[0]->stats().bytes_sent - peers.inner[0]->stats().bytes_sent == frames);
  CHECK(peers.outer[1]->stats().bytes_received - peers.inner[1]->stats().bytes_received == frames);
}

TEST_CASE("device links: when the channels cannot start, every link stays on TCP and the peer says so once") {
  Peers peers(2, {{1}, {0}});
  peers.channels.connect_failure = "no usable GPU";
  const auto bad = peers.run([&](int) { return peers.all_rounds(10); }, 5s);
  CHECK(bad == std::vector<std::vector<int64_t>>(2));
  CHECK(peers.outer[0]->channel_peers().empty());
  CHECK(logged(peers.logs[0], "MEM could not start (no usable GPU); every link stays on encrypted TCP"));
  CHECK(peers.logs[0].size() == 1);
}

TEST_CASE("device links: a neighbour whose frames stop is given up after patience, and the next rounds go by TCP") {
  Peers peers(2, {{1}, {0}}, scaled(300));
  peers.channels.held = {1};  // peer 1's frames never reach peer 0
  const auto bad = peers.run([&](int) { return peers.all_rounds(10); }, scaled(500));
  // Peer 0 gives up in round 0. Peer 1 got round 0 over the channel, then waits there in
  // round 1 for what peer 0 now sends by TCP, and gives up too; peer 0 misses its round 1.
  CHECK(bad[0] == std::vector<int64_t>{0, 1});
  CHECK(bad[1] == std::vector<int64_t>{1});
  CHECK(logged(peers.logs[0], "MEM: nothing from peer(s) 1 within "));
  CHECK(logged(peers.logs[0], " s; the links to peer(s) 1 go over encrypted TCP from now on"));
  CHECK(logged(peers.logs[1], "go over encrypted TCP from now on"));
  CHECK(peers.outer[0]->channel_peers().empty());
  CHECK(peers.outer[1]->channel_peers().empty());
}

TEST_CASE("device links: a failure as the channels start a round falls back to TCP, never out of exchange") {
  Peers peers(2, {{1}, {0}}, scaled(300));
  peers.channels.failing_start = {0};  // peer 0's sends fail in round 0
  const auto bad = peers.run([&](int) { return peers.all_rounds(6); }, scaled(500));
  // Round 0 is lost both ways: peer 0 sent nothing, and drops what its channel held; peer 1
  // waits out its patience. From round 1 both are on TCP.
  CHECK(bad[0] == std::vector<int64_t>{0});
  CHECK(bad[1] == std::vector<int64_t>{0});
  CHECK(logged(peers.logs[0], "MEM: ncclSend: remote process exited; the links to peer(s) 1 go over encrypted TCP"));
  CHECK(logged(peers.logs[1], "MEM: nothing from peer(s) 0 within "));
  CHECK(peers.outer[0]->channel_peers().empty());
  CHECK(peers.outer[1]->channel_peers().empty());
}

TEST_CASE("device links: ends whose exchanges part (one skipped a round) find it in the frame header and go to TCP") {
  Peers peers(2, {{1}, {0}}, scaled(2000));
  const auto bad = peers.run(
      [&](int self) {
        // Peer 1 skips round 3 and peer 0 round 6: their 4th to 6th exchanges are of
        // different rounds, and from the 7th they agree again.
        std::vector<int64_t> rounds = peers.all_rounds(10);
        rounds.erase(rounds.begin() + (self == 1 ? 3 : 6));
        return rounds;
      },
      scaled(500));
  // The 4th exchange: each gets the other's frame of another round and gives the channel
  // up. Then over TCP, each misses what the other sent into the channel or has not sent yet.
  CHECK(bad[0] == std::vector<int64_t>{3, 4});
  CHECK(bad[1] == std::vector<int64_t>{4, 5, 6});
  CHECK(logged(peers.logs[0], "peer 1's frame is not round 3 kind 1 (round 4 kind 1): its exchanges and this peer's parted"));
  CHECK(logged(peers.logs[1], "peer 0's frame is not round 4 kind 1 (round 3 kind 1)"));
}

TEST_CASE("device links: a frame that is not one (wrong magic, a length past the frame) is refused, never read") {
  for (const std::string corruption : {"magic", "length"}) {
    INFO(corruption);
    Peers peers(2, {{1}, {0}}, scaled(2000));
    peers.channels.corrupt = [corruption](int from, std::vector<uint8_t>& frame) {
      if (from != 1) return;
      if (corruption == "magic") frame[0] ^= 0xff;
      if (corruption == "length") frame[4] = frame[5] = frame[6] = frame[7] = 0xff;  // 4 GiB
    };
    const auto bad = peers.run([&](int) { return peers.all_rounds(6); }, scaled(500));
    // Peer 0 refuses peer 1's first frame and goes to TCP; peer 1 got round 0 over the
    // channel, waits there in round 1 and follows.
    CHECK(bad[0] == std::vector<int64_t>{0, 1});
    CHECK(bad[1] == std::vector<int64_t>{1});
    CHECK(logged(peers.logs[0], "peer 1's frame is not round 0 kind 1 (no frame)"));
  }
}
