// The first-run failures a new user meets, each loud and non-zero: a peer alone, a launch
// whose peer cannot start, a run directory in use, Ctrl-C without periodic checkpoints, a
// GPU that cannot be used here.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "runtime/checkpoint.h"
#include "runtime/metrics_log.h"
#include "runtime/run_directory.h"
#include "support/gossip_command.h"

using namespace gossip;
using namespace std::chrono_literals;
using nlohmann::json;
using testing::contains;
using testing::read_file;
using testing::run_gossip_command;
using testing::write_topology;

namespace {

std::string keyed_topology(const testing::TempDir& dir, int peers, const json& training) {
  const std::string topology = write_topology(dir, peers, training);
  REQUIRE(run_gossip_command({"keygen", "--update", topology, "--out", (dir.path() / "keys").string()}, dir.file("keygen.log")) == 0);
  return topology;
}

// A listening socket on the port of peer `id`: the port is taken.
int occupy_port(const std::string& topology, int id) {
  const json file = json::parse(read_file(topology));
  const int port = file["peers"][id]["port"].get<int>();
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(listen(fd, 4) == 0);
  return fd;
}

}  // namespace

TEST_CASE("a peer alone says whom it waits for, then fails naming them, unless train_alone") {
  testing::TempDir dir;
  const std::string topology =
      keyed_topology(dir, 3, {{"task", "least_squares"}, {"rounds", 20}, {"startup_timeout_seconds", 3}});
  const auto run_dir = dir.path() / "run";
  const auto started = std::chrono::steady_clock::now();
  const int status = run_gossip_command({"peer", topology, "--id", "0", "--run-dir", run_dir.string()}, dir.file("alone.log"));
  const std::string log = read_file(dir.file("alone.log"));
  MESSAGE(log);
  CHECK(status == 1);
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  CHECK(contains(log, "waiting for peer(s) 1, 2 (2 s of 3 s)"));
  CHECK(contains(log, "no neighbour linked within startup_timeout_seconds (3 s): peer(s) 1, 2 never came"));
  CHECK(contains(read_file(log_path(run_dir, 0)), "waiting for peer(s) 1, 2"));  // a hand-started peer keeps its own log
  CHECK(std::filesystem::exists(peer_directory(run_dir, 0) / "config.json"));
  CHECK(std::filesystem::exists(peer_directory(run_dir, 0) / "topology.json"));

  const int alone = run_gossip_command({"peer", topology, "--id", "0", "--run-dir", run_dir.string(), "--set",
                                        "train_alone=true", "--overwrite"},
                                       dir.file("alone-allowed.log"));
  const std::string allowed = read_file(dir.file("alone-allowed.log"));
  CHECK(alone == 0);
  CHECK(contains(allowed, "starting without neighbour(s) 1, 2: never linked within 3 s"));
  CHECK(contains(allowed, "neighbour(s) 1 2 never linked in the whole run"));
  CHECK_FALSE(contains(allowed, "had gone"));
  CHECK(read_metrics(metrics_path(run_dir, 0)).size() == 20);

  // Its metrics are now there: a second start over them is refused, and nothing is lost.
  const int again = run_gossip_command({"peer", topology, "--id", "0", "--run-dir", run_dir.string(), "--set",
                                        "train_alone=true"},
                                       dir.file("again.log"));
  CHECK(again == 2);
  CHECK(contains(read_file(dir.file("again.log")), "metrics.jsonl already holds 20 rounds of this peer; add --resume"));
  CHECK(read_metrics(metrics_path(run_dir, 0)).size() == 20);
}

TEST_CASE("launch fails fast when a peer cannot start: the others are stopped and the cause named") {
  testing::TempDir dir;
  const std::string topology = write_topology(dir, 4, {{"task", "least_squares"}, {"rounds", 50}});
  const int fd = occupy_port(topology, 2);
  const auto started = std::chrono::steady_clock::now();
  const int status = run_gossip_command({"launch", topology, "--run-dir", dir.file("run")}, dir.file("launch.log"), 30s);
  const auto took = std::chrono::steady_clock::now() - started;
  close(fd);
  const std::string log = read_file(dir.file("launch.log"));
  MESSAGE(log);
  CHECK(status == 1);
  CHECK(took < 5s);  // not the 60 s startup timeout
  CHECK(contains(log, "peer 2 cannot listen on"));
  CHECK(contains(log, "peer 2 failed before training started; stopping the others"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "run" / "summary.json"));
}

TEST_CASE("Ctrl-C without periodic checkpoints: every peer checkpoints one round, and --resume finishes exactly") {
  testing::TempDir dir;
  const int rounds = 12000;
  const std::string topology = write_topology(dir, 4, {{"task", "least_squares"}, {"rounds", rounds}, {"eval_every", 0}});
  const auto straight = dir.path() / "straight", interrupted = dir.path() / "interrupted";
  REQUIRE(run_gossip_command({"launch", topology, "--run-dir", straight.string()}, dir.file("straight.log")) == 0);

  testing::ChildProcess launcher = testing::start_gossip({"launch", topology, "--run-dir", interrupted.string()},
                                                         dir.file("interrupted.log"));
  for (int waited = 0; waited < 2000 && read_metrics(metrics_path(interrupted, 0)).size() < 500; ++waited) {
    std::this_thread::sleep_for(5ms);
  }
  launcher.signal(SIGINT);
  REQUIRE(launcher.wait(60s) == 130);
  const std::string log = read_file(dir.file("interrupted.log"));
  MESSAGE(log);
  CHECK(contains(log, "Continue with:\n  gossip launch --resume --run-dir"));
  std::vector<int64_t> stopped;
  for (int peer = 0; peer < 4; ++peer) stopped.push_back(checkpoint_rounds(checkpoint_directory(interrupted, peer)).back());
  CHECK(std::count(stopped.begin(), stopped.end(), stopped.front()) == 4);  // one round for all
  CHECK(stopped.front() < rounds);

  REQUIRE(run_gossip_command({"launch", "--resume", "--run-dir", interrupted.string()}, dir.file("resumed.log")) == 0);
  const std::string resumed = read_file(dir.file("resumed.log"));
  CHECK(contains(resumed, "(resumed at round " + std::to_string(stopped.front()) + ")"));
  for (int peer = 0; peer < 4; ++peer) {
    CHECK(load_checkpoint(final_model_path(straight, peer)).find("model")->bytes ==
          load_checkpoint(final_model_path(interrupted, peer)).find("model")->bytes);
    CHECK(read_metrics(metrics_path(interrupted, peer)).size() == rounds);
  }
  const json summary = json::parse(read_file(interrupted / "summary.json"));
  CHECK(summary["rounds_run"] == rounds - stopped.front());
}

TEST_CASE("a GPU that cannot be used is refused before any round, naming the peer, the field and the reason") {
  testing::TempDir dir;
  std::string topology = write_topology(dir, 2, {{"task", "least_squares"}, {"rounds", 5}});
  json file = json::parse(read_file(topology));
  file["peers"][1]["device"] = "cuda:0";
  topology = dir.write("gpu.json", file.dump());
  REQUIRE(run_gossip_command({"version"}, dir.file("version.log")) == 0);
  const std::string version = read_file(dir.file("version.log"));
  // Why this machine refuses it: no CUDA in the build, no usable GPU, or (with a GPU) a task
  // that has no GPU implementation.
  std::string reason = "peers[1].device is \"cuda:0\", but this machine has no usable GPU";
  if (contains(version, "CUDA: not built")) reason = "peers[1].device is \"cuda:0\", but this program was built without CUDA";
  if (contains(version, "CUDA: built; 1 GPU") || contains(version, "GPUs:")) {
    reason = "training.task \"least_squares\" has no cuda implementation (it runs on: cpu); peer 1's device is \"cuda:0\"";
  }
  INFO(version);
  CHECK(run_gossip_command({"launch", topology, "--run-dir", dir.file("run")}, dir.file("launch.log")) == 2);
  CHECK(contains(read_file(dir.file("launch.log")), reason));
  CHECK(run_gossip_command({"peer", topology, "--id", "1", "--run-dir", dir.file("run2")}, dir.file("peer.log")) == 2);
  CHECK(contains(read_file(dir.file("peer.log")), reason));
  // launch --device puts every local peer there, over the file: refused the same way.
  if (!contains(version, "GPUs:") && !contains(version, "CUDA: built; 1 GPU")) {
    const std::string cpu_file = write_topology(dir, 2, {{"task", "least_squares"}, {"rounds", 5}}, {{"kind", "ring"}}, "cpu.json");
    CHECK(run_gossip_command({"launch", cpu_file, "--device", "cuda", "--run-dir", dir.file("run4")}, dir.file("all.log")) == 2);
    CHECK(contains(read_file(dir.file("all.log")), "--device (peer 0) is \"cuda\", but this"));
  }
  // A --device that names no device is refused as such.
  CHECK(run_gossip_command({"peer", topology, "--id", "1", "--device", "gpu", "--run-dir", dir.file("run3")},
                           dir.file("flag.log")) == 2);
  CHECK(contains(read_file(dir.file("flag.log")), "--device \"gpu\": expected \"cpu\", \"cuda\" or \"cuda:N\""));
}

TEST_CASE("summary: which peers trained without which neighbours") {
  testing::TempDir dir;
  const std::string topology = write_topology(dir, 3, {{"task", "least_squares"}, {"rounds", 30}, {"train_alone", true},
                                                       {"startup_timeout_seconds", 3}, {"round_timeout_seconds", 2}});
  // Peers 0 and 1 must hear from each other whatever the machine's load: a timeout long enough to cover one
  // starting a second after the other (CI, with a 1 s start and a 0.05 s round, saw them never meet).
  json file = json::parse(read_file(topology));
  file["peers"][2]["host"] = "198.18.0.1";  // a benchmarking address nobody answers: peer 2 never comes
  const std::string two_here = dir.write("two.json", file.dump());
  REQUIRE(run_gossip_command({"launch", two_here, "--run-dir", dir.file("run")}, dir.file("launch.log")) == 0);
  const json summary = json::parse(read_file(dir.path() / "run" / "summary.json"));
  MESSAGE(summary.dump(1));
  for (const auto& peer : summary["per_peer"]) {
    CHECK(peer["never_heard_from"] == json::array({2}));
    CHECK(peer["missing_rounds_by_neighbour"]["2"] == 30);
  }
  CHECK(contains(read_file(dir.file("launch.log")), "never heard from peer(s) 2"));
}

TEST_CASE("launch --graph KIND --peers N runs without a topology file") {
  testing::TempDir dir;
  const std::string base_port = std::to_string(testing::free_ports(1).front());
  const auto run_dir = dir.path() / "exp";
  REQUIRE(run_gossip_command({"launch", "--graph", "exponential", "--peers", "4", "--base-port", base_port, "--task",
                              "least_squares", "--rounds", "30", "--run-dir", run_dir.string()},
                             dir.file("launch.log")) == 0);
  const json topology = json::parse(read_file(run_dir / "topology.json"));
  CHECK(topology["graph"]["kind"] == "exponential");
  CHECK(topology["peers"].size() == 4);
  CHECK(read_metrics(metrics_path(run_dir, 3)).size() == 30);
  // What a graph needs, and a graph with a file, are usage errors.
  CHECK(run_gossip_command({"launch", "--graph", "torus", "--peers", "4", "--run-dir", dir.file("t")}, dir.file("t.log")) == 2);
  CHECK(contains(read_file(dir.file("t.log")), "launch --graph torus: give --rows and --cols"));
  CHECK(run_gossip_command({"launch", dir.file("x.json"), "--graph", "ring", "--peers", "4"}, dir.file("x.log")) == 2);
  CHECK(run_gossip_command({"launch", "--peers", "4"}, dir.file("p.log")) == 2);
}
