// NCCL's device channels under DeviceLinkTransport, two peers in one process (a thread
// each), over the in-process TCP stand-in. With two GPUs the frames go GPU to GPU and must
// arrive exactly; with one GPU, NCCL cannot put both ends on it, and the test holds the
// fallback to its promise: every message still arrives, over TCP, and the peers say why.
// Without NCCL or a GPU each case reports itself skipped with the reason.
#include <doctest/doctest.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "gossip/config.h"
#include "transport/device_link_transport.h"
#include "transport/inproc/inproc_transport.h"
#if GOSSIP_HAVE_NCCL
#include "kernels/cuda/device.h"
#include "transport/nccl/nccl_channels.h"
#endif

using namespace gossip;
using namespace std::chrono_literals;

#if !GOSSIP_HAVE_NCCL

TEST_CASE("NCCL channels carry two peers' exchanges") {
  MESSAGE("SKIPPED: this build has no NCCL (it needs CUDA, nccl.h and libnccl)");
}

#else

namespace {

// Two peers on GPUs `gpus[0]` and `gpus[1]` exchange 20 rounds of payloads of up to 4 KiB;
// returns the wrong or missing arrivals, and fills each peer's log.
int exchange_on(const int (&gpus)[2], std::vector<std::string> (&logs)[2]) {
  constexpr std::size_t kLimit = 4096;
  InprocHub hub(2);
  auto inner = hub.transports();
  std::mutex mutex;
  int wrong = 0;
  std::vector<std::thread> threads;
  for (int self = 0; self < 2; ++self) {
    threads.emplace_back([&, self] {
      cuda::use_device(gpus[self]);
      auto factory = nccl::make_channel_factory(gpus[self]);
      DeviceLinkTransport transport(*inner[self], *factory,
                                    {{1 - self}, kLimit, 6, 20000ms, 20000ms, [&, self](const std::string& line) {
                                       std::lock_guard lock(mutex);
                                       logs[self].push_back(line);
                                     }});
      for (int64_t round = 0; round < 20; ++round) {
        const std::vector<uint8_t> payload(static_cast<size_t>(round * 200 % kLimit), static_cast<uint8_t>(self + round));
        const Outgoing sends[] = {{1 - self, payload, 2}};
        const int from[] = {1 - self};
        const ExchangeResult result = transport.exchange({round, 1, sends, from, Clock::now() + 20s});
        const bool right = result.received.size() == 1 && result.received[0].codec == 2 &&
                           result.received[0].payload.size() == payload.size() &&
                           std::all_of(result.received[0].payload.begin(), result.received[0].payload.end(),
                                       [&](uint8_t b) { return b == static_cast<uint8_t>(1 - self + round); });
        std::lock_guard lock(mutex);
        wrong += !right;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return wrong;
}

bool says(const std::vector<std::string>& log, const std::string& part) {
  return std::any_of(log.begin(), log.end(), [&](const std::string& line) { return line.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("NCCL channels carry two peers' exchanges GPU to GPU, every byte exact") {
  if (cuda::device_count() < 2) {
    MESSAGE("SKIPPED: needs 2 GPUs, and this machine has " << cuda::describe_devices());
    return;
  }
  std::vector<std::string> logs[2];
  CHECK(exchange_on({0, 1}, logs) == 0);
  CHECK(says(logs[0], "NCCL: peer(s) 1 reached device to device"));
  CHECK(says(logs[1], "NCCL: peer(s) 0 reached device to device"));
}

TEST_CASE("NCCL with both ends on one GPU: every message still arrives, and the peers say which path it took") {
  if (cuda::device_count() < 1) {
    MESSAGE("SKIPPED: " << cuda::describe_devices());
    return;
  }
  std::vector<std::string> logs[2];
  CHECK(exchange_on({0, 0}, logs) == 0);
  for (const auto& log : logs) {
    const std::string first = log.empty() ? "(nothing logged)" : log.front();
    INFO(first);
    CHECK((says(log, "NCCL could not start (") || says(log, "reached device to device")));
  }
}

#endif
