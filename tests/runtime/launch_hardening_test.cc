// Bad input that used to crash or fail late, refused at once with the thing named: deeply
// nested JSON, a host that does not resolve, a damaged newest checkpoint, a bad key.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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

TEST_CASE("deeply nested JSON is refused with the file named, never a stack overflow") {
  testing::TempDir dir;
  const std::string deep = dir.write("deep.json", std::string(200000, '[') + std::string(200000, ']'));
  CHECK(run_gossip_command({"topo", "show", deep}, dir.file("show.log")) == 2);
  CHECK(contains(read_file(dir.file("show.log")), "deep.json: JSON nested deeper than 64 levels"));
  CHECK(run_gossip_command({"launch", deep}, dir.file("launch.log")) == 2);
  const std::string topology = write_topology(dir, 2, {{"task", "least_squares"}});
  CHECK(run_gossip_command({"launch", topology, "--set", "schedule=" + std::string(1000, '[') + std::string(1000, ']')},
                           dir.file("set.log")) == 2);
  // A run directory with a nested summary and metrics line still gives a report, with warnings.
  const auto run = dir.path() / "run";
  std::filesystem::create_directories(run / "peer-0");
  std::ofstream(run / "summary.json") << std::string(100000, '[') << std::string(100000, ']');
  std::ofstream(run / "peer-0" / "metrics.jsonl") << "{\"round\": 0, \"loss\": 1}\n"
                                                  << std::string(100000, '[') << std::string(100000, ']') << "\n";
  REQUIRE(run_gossip_command({"report", run.string(), "--out", dir.file("r.html")}, dir.file("report.log")) == 0);
  const std::string report = read_file(dir.file("report.log"));
  CHECK(contains(report, "summary.json: JSON nested deeper than 64 levels"));
  CHECK(contains(report, "peer-0/metrics.jsonl line 2: not a metrics line"));
}

TEST_CASE("a host that is neither an address nor a resolvable name is refused at load, naming the peer") {
  testing::TempDir dir;
  std::string topology = write_topology(dir, 3, {{"task", "least_squares"}, {"rounds", 5}});
  json file = json::parse(read_file(topology));
  file["peers"][1]["host"] = "no-such-host.invalid";
  topology = dir.write("bad-host.json", file.dump());
  const auto started = std::chrono::steady_clock::now();
  CHECK(run_gossip_command({"launch", topology, "--run-dir", dir.file("run")}, dir.file("launch.log")) == 2);
  CHECK(std::chrono::steady_clock::now() - started < 15s);
  CHECK(contains(read_file(dir.file("launch.log")), "peers[1].host \"no-such-host.invalid\" is neither an address nor"));
  CHECK(run_gossip_command({"peer", topology, "--id", "0", "--run-dir", dir.file("run0")}, dir.file("peer.log")) == 2);
}

TEST_CASE("--resume skips a round whose checkpoint fails to verify on one peer, saying so") {
  testing::TempDir dir;
  const std::string topology =
      write_topology(dir, 3, {{"task", "least_squares"}, {"rounds", 60}, {"checkpoint_every", 10}, {"eval_every", 0}});
  const auto run_dir = dir.path() / "run";
  REQUIRE(run_gossip_command({"launch", topology, "--run-dir", run_dir.string()}, dir.file("first.log")) == 0);
  // Keep the newest two checkpoints (40, 50); flip a byte in peer 1's newest.
  const auto newest = checkpoint_path(checkpoint_directory(run_dir, 1), 50);
  REQUIRE(std::filesystem::exists(newest));
  {
    std::fstream file(newest, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(std::filesystem::file_size(newest) / 2));
    file.put('\x5a');
  }
  std::filesystem::remove(run_dir / "summary.json");
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(run_gossip_command({"launch", "--resume", "--run-dir", run_dir.string()}, dir.file("resume.log")) == 0);
  CHECK(std::chrono::steady_clock::now() - started < 20s);  // nobody waited out a startup timeout
  const std::string log = read_file(dir.file("resume.log"));
  MESSAGE(log);
  CHECK(contains(log, "--resume skips round 50: checkpoint " + newest.string()));
  CHECK(contains(log, "resuming every peer from round 40"));
}

TEST_CASE("a bad key is refused before the dataset loads, as an input error") {
  testing::TempDir dir;
  const std::string topology = write_topology(dir, 2, {{"task", "mlp"}, {"task_options", {{"data_dir", "/nonexistent"}}}});
  REQUIRE(run_gossip_command({"keygen", "--update", topology, "--out", (dir.path() / "keys").string()}, dir.file("k.log")) == 0);
  std::ofstream(dir.path() / "keys" / "peer-0.key", std::ios::trunc) << "not a key\n";
  CHECK(run_gossip_command({"peer", topology, "--id", "0", "--run-dir", dir.file("run")}, dir.file("peer.log")) == 2);
  CHECK(contains(read_file(dir.file("peer.log")), "peer-0.key: expected 64 hex digits"));
  CHECK(run_gossip_command({"launch", topology, "--run-dir", dir.file("run2")}, dir.file("launch.log")) == 2);
  CHECK(contains(read_file(dir.file("launch.log")), "peer-0.key: expected 64 hex digits"));
}
