// Peers as real processes on loopback: bit-exact exchange, random start order, and
// peers killed (SIGKILL) or frozen (SIGSTOP) while the others keep to their deadlines.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "support/child_process.h"
#include "support/test_cluster.h"
#include "support/time_scale.h"

using namespace gossip;
using namespace std::chrono;

namespace {

struct PeerRun {
  std::vector<nlohmann::json> rounds;  // one per round it ran
  bool done = false;
};

class ProcessCluster {
 public:
  // `round_ms` and the start-up time stretch by testing::time_scale().
  ProcessCluster(const std::string& kind, int peers, int rounds, int round_ms)
      : cluster_(kind, peers), rounds_(rounds), round_ms_(static_cast<int>(round_ms * testing::time_scale())) {
    epoch_ms_ = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() +
                static_cast<int64_t>(1500 * testing::time_scale());
    processes_.resize(peers);
    starts_.assign(peers, 0);
  }

  void start(int peer) {
    std::string tag = std::to_string(peer) + "." + std::to_string(starts_[peer]++);
    std::vector<std::string> argv = {EXCHANGE_PEER, cluster_.topology_path, "--id", std::to_string(peer),
                                     "--key", cluster_.key_path(peer), "--rounds", std::to_string(rounds_),
                                     "--epoch-ms", std::to_string(epoch_ms_), "--round-ms", std::to_string(round_ms_),
                                     "--deadline-ms", std::to_string(round_ms_ * 7 / 10)};
    processes_[peer] = testing::ChildProcess(argv, out_path(tag), cluster_.dir.file("peer-" + tag + ".log"));
  }
  testing::ChildProcess& process(int peer) { return processes_[peer]; }
  void sleep_until_round(double round) {
    std::this_thread::sleep_until(system_clock::time_point(milliseconds(epoch_ms_)) +
                                  microseconds(static_cast<int64_t>(round * round_ms_ * 1000)));
  }
  // Every process's output; `run` counts restarts (0: the first start).
  PeerRun output(int peer, int run = 0) const {
    PeerRun result;
    std::ifstream in(out_path(std::to_string(peer) + "." + std::to_string(run)));
    for (std::string line; std::getline(in, line);) {
      auto json = nlohmann::json::parse(line);
      if (json.contains("done")) {
        result.done = true;
      } else {
        result.rounds.push_back(json);
      }
    }
    return result;
  }
  std::string log(int peer, int run = 0) const {
    std::ifstream in(cluster_.dir.file("peer-" + std::to_string(peer) + "." + std::to_string(run) + ".log"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int wait_all() {
    int failures = 0;
    for (auto& process : processes_) failures += process.wait(seconds(30 + rounds_ * round_ms_ / 1000)) != 0;
    return failures;
  }

 private:
  std::string out_path(const std::string& tag) const { return cluster_.dir.file("peer-" + tag + ".out"); }

  testing::TestCluster cluster_;
  int rounds_, round_ms_;
  int64_t epoch_ms_;
  std::vector<testing::ChildProcess> processes_;
  std::vector<int> starts_;
};

// How far past its deadline an exchange may return: the scheduler's, not the transport's.
const double kSlackMs = 50.0 * testing::time_scale();

bool lists(const nlohmann::json& round, const char* key, int peer) {
  for (int listed : round[key]) {
    if (listed == peer) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("2, 4 and 8 peer processes exchange known buffers bit-exact, started in random order") {
  std::mt19937 rng(7);
  for (auto [kind, peers] : {std::pair{"ring", 2}, std::pair{"ring", 4}, std::pair{"exponential", 8}}) {
    INFO(kind << " with " << peers << " peers");
    constexpr int kRounds = 30;
    ProcessCluster cluster(kind, peers, kRounds, 100);
    std::vector<int> order(peers);
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    for (int peer : order) {
      cluster.start(peer);
      std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 150)(rng)));
    }
    REQUIRE(cluster.wait_all() == 0);
    for (int peer = 0; peer < peers; ++peer) {
      PeerRun run = cluster.output(peer);
      INFO("peer " << peer << " log:\n" << cluster.log(peer));
      CHECK(run.done);
      CHECK(run.rounds.size() == kRounds);
      for (const auto& round : run.rounds) {
        CHECK(round["missing"].empty());
        CHECK(round["bad"].empty());
      }
    }
  }
}

TEST_CASE("a SIGKILLed peer is reported missing within the deadline and rejoins after a restart") {
  constexpr int kRounds = 70, kRoundMs = 100, kKillAt = 15, kRestartAt = 30;
  ProcessCluster cluster("ring", 4, kRounds, kRoundMs);
  for (int peer = 0; peer < 4; ++peer) cluster.start(peer);
  cluster.sleep_until_round(kKillAt + 0.5);
  cluster.process(2).signal(SIGKILL);
  cluster.process(2).wait(seconds(5));
  cluster.sleep_until_round(kRestartAt);
  cluster.start(2);
  REQUIRE(cluster.wait_all() == 0);
  for (int neighbour : {1, 3}) {
    PeerRun run = cluster.output(neighbour);
    INFO("peer " << neighbour << " log:\n" << cluster.log(neighbour));
    REQUIRE(run.rounds.size() == kRounds);
    for (const auto& round : run.rounds) {
      int r = round["round"];
      CHECK(round["bad"].empty());
      CHECK(round["took_ms"].get<double>() <= round["allowed_ms"].get<double>() + kSlackMs);  // never waits past it
      if (r > kKillAt + 1 && r < kRestartAt) CHECK(lists(round, "missing", 2));
      if (r >= kRestartAt + 15) CHECK(round["missing"].empty());  // rejoined
      if (r < kKillAt) CHECK(round["missing"].empty());
    }
  }
  PeerRun restarted = cluster.output(2, 1);
  CHECK(restarted.done);
  CHECK(restarted.rounds.back()["missing"].empty());
}

TEST_CASE("a SIGSTOPped peer does not hold the others past their deadline") {
  constexpr int kRounds = 60, kRoundMs = 100, kStopAt = 15, kContinueAt = 35;
  ProcessCluster cluster("ring", 4, kRounds, kRoundMs);
  for (int peer = 0; peer < 4; ++peer) cluster.start(peer);
  cluster.sleep_until_round(kStopAt + 0.5);
  cluster.process(2).signal(SIGSTOP);
  cluster.sleep_until_round(kContinueAt + 0.5);
  cluster.process(2).signal(SIGCONT);
  REQUIRE(cluster.wait_all() == 0);
  for (int neighbour : {1, 3}) {
    PeerRun run = cluster.output(neighbour);
    INFO("peer " << neighbour << " log:\n" << cluster.log(neighbour));
    REQUIRE(run.rounds.size() == kRounds);
    for (const auto& round : run.rounds) {
      int r = round["round"];
      CHECK(round["bad"].empty());
      CHECK(round["took_ms"].get<double>() <= round["allowed_ms"].get<double>() + kSlackMs);
      if (r > kStopAt + 1 && r < kContinueAt) CHECK(lists(round, "missing", 2));
      if (r >= kContinueAt + 15) CHECK(round["missing"].empty());  // back after SIGCONT
    }
  }
}
