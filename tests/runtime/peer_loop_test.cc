// The peer loop (runtime/peer.h) as `gossip peer` runs it, but with peers on threads over
// the in-process transport: a link down for some rounds, and a peer that stops and resumes
// from its checkpoint while its neighbours go on, then rejoins them.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "runtime/metrics_log.h"
#include "runtime/peer.h"
#include "runtime/run_directory.h"
#include "support/temp_dir.h"
#include "topology/topology_file.h"
#include "transport/inproc/inproc_transport.h"

using namespace gossip;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

Topology ring(int peers) { return build_topology(generate_topology_file({.kind = "ring", .peers = peers})); }

TrainingConfig least_squares(int64_t rounds, json more = json::object()) {
  json training{{"task", "least_squares"}, {"rounds", rounds},          {"learning_rate", 0.02},
                {"eval_every", 0},         {"sketch_size", 8},          {"round_timeout_seconds", 10},
                {"startup_timeout_seconds", 10}};
  training.update(more);
  return parse_training_config(training, 5);
}

// A peer's log lines, kept for the test to read.
class Logs {
 public:
  std::function<void(const std::string&)> sink(int peer) {
    return [this, peer](const std::string& line) {
      std::lock_guard lock(mutex_);
      text_ += "[" + std::to_string(peer) + "] " + line + "\n";
    };
  }
  std::string text() const {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
};

// Rounds in which `peer` mixed without someone, and whom.
std::map<int64_t, std::vector<int>> missing_by_round(const std::filesystem::path& run, int peer) {
  std::map<int64_t, std::vector<int>> missing;
  for (const json& line : read_metrics(metrics_path(run, peer))) {
    if (!line["missing"].empty()) missing[line["round"].get<int64_t>()] = line["missing"].get<std::vector<int>>();
  }
  return missing;
}

}  // namespace

TEST_CASE("peer loop: 8 peers on threads, a link down for rounds 20-29, each peer misses exactly what it should") {
  testing::TempDir dir;
  const Topology topology = ring(8);
  const TrainingConfig config = least_squares(60);
  // A peer off the cut link may run up to 7 rounds ahead of the other end (around the
  // ring), so the inbox holds that many early rounds: nothing is lost but the outage.
  InprocHub hub(8, {.inbox = {.max_early_rounds = 16, .max_buffered_per_peer = 64}});
  hub.set_outage([](int a, int b, int64_t round) { return a == 2 && b == 3 && round >= 20 && round < 30; });
  std::vector<std::unique_ptr<Transport>> transports;
  for (int id = 0; id < 8; ++id) transports.push_back(hub.transport(id, topology.linked_peers(id)));

  Logs logs;
  std::vector<std::thread> threads;
  std::atomic<int> finished{0};
  for (int id = 0; id < 8; ++id) {
    threads.emplace_back([&, id] {
      Peer peer({id, topology, config, dir.path(), logs.sink(id), nullptr});
      peer.start_fresh();
      finished += peer.run(*transports[id]);
    });
  }
  for (auto& thread : threads) thread.join();
  INFO(logs.text());
  CHECK(finished == 8);

  std::map<int64_t, std::vector<int>> outage_of_2, outage_of_3;
  for (int64_t round = 20; round < 30; ++round) {
    outage_of_2[round] = {3};
    outage_of_3[round] = {2};
  }
  for (int id = 0; id < 8; ++id) {
    INFO("peer " << id);
    CHECK(read_metrics(metrics_path(dir.path(), id)).size() == 60);
    CHECK(std::filesystem::exists(final_model_path(dir.path(), id)));
    const auto missing = missing_by_round(dir.path(), id);
    if (id == 2) {
      CHECK(missing == outage_of_2);
    } else if (id == 3) {
      CHECK(missing == outage_of_3);
    } else {
      CHECK(missing.empty());
    }
  }
  // Down, the link carries nothing: peer 2 sends to one neighbour instead of two.
  const auto lines = read_metrics(metrics_path(dir.path(), 2));
  CHECK(lines[25]["bytes_sent"].get<uint64_t>() * 2 == lines[5]["bytes_sent"].get<uint64_t>());
}

TEST_CASE("peer loop: a peer that stops resumes from its checkpoint and rejoins its neighbours at their round") {
  testing::TempDir dir;
  const Topology topology = ring(4);
  const int64_t rounds = 400, stop_at = 100, hold_at = 250;
  // A fixed deadline: a linked neighbour that holds is waited for (an adaptive one would stop
  // waiting for peer 1 once it missed, and the others would finish without it).
  const TrainingConfig config = least_squares(rounds, {{"checkpoint_every", 50}, {"round_deadline", "fixed"}});
  InprocHub hub(4);
  std::vector<std::unique_ptr<Transport>> transports;
  for (int id = 0; id < 4; ++id) transports.push_back(hub.transport(id, topology.linked_peers(id)));

  // Peer 1 holds at round 250 until peer 2 is back, so the others are far ahead of it but
  // cannot finish first (its neighbours wait for it, theirs for them).
  std::promise<void> held, back;
  std::shared_future<void> is_back = back.get_future().share();
  std::function<bool(int64_t)> hold = [&](int64_t next) {
    if (next == hold_at) {
      held.set_value();
      is_back.wait();
    }
    return false;
  };
  Logs logs;
  std::vector<std::thread> threads;
  for (int id : {0, 1, 3}) {
    threads.emplace_back([&, id] {
      Peer peer({id, topology, config, dir.path(), logs.sink(id), id == 1 ? hold : std::function<bool(int64_t)>()});
      peer.start_fresh();
      CHECK(peer.run(*transports[id]));
    });
  }
  {
    Peer peer({2, topology, config, dir.path(), logs.sink(2), [&](int64_t next) { return next == stop_at; }});
    peer.start_fresh();
    CHECK_FALSE(peer.run(*transports[2]));
  }
  transports[2].reset();  // its links go down: the neighbours stop waiting for it
  held.get_future().wait();
  {
    Peer peer({2, topology, config, dir.path(), logs.sink(2), nullptr});
    peer.resume();
    CHECK(peer.first_round() == stop_at);
    auto transport = hub.transport(2, topology.linked_peers(2), peer.first_round());
    back.set_value();
    CHECK(peer.run(*transport));
  }
  for (auto& thread : threads) thread.join();
  const std::string text = logs.text();
  INFO(text);
  CHECK(text.find("[2] stopped before round 100") != std::string::npos);
  CHECK(text.find("[2] resumed from") != std::string::npos);
  CHECK(text.find("[2] neighbours are at round") != std::string::npos);
  for (int id : {1, 3}) {
    const auto missing = missing_by_round(dir.path(), id);
    CHECK_MESSAGE(missing.size() >= hold_at - stop_at, "peer ", id, " missed peer 2 in ", missing.size(), " rounds");
    CHECK(missing.lower_bound(rounds - 100) == missing.end());  // together again at the end
  }
  CHECK(read_metrics(metrics_path(dir.path(), 2)).back()["round"] == rounds - 1);
}
