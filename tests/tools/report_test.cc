// gossip report and gossip watch on run directories written by hand: damaged, partial and
// gathered runs, the legend, the merged table, the page and the terminal frame.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "runtime/sketch.h"
#include "support/temp_dir.h"
#include "tools/report/report_page.h"
#include "tools/report/report_table.h"
#include "tools/report/run_data.h"
#include "tools/report/terminal_view.h"

using namespace gossip;
using namespace gossip::report;
using nlohmann::json;

namespace {

// A run of `peers` peers (ids 0..peers-1 in the topology) over `rounds` rounds; each peer's
// model is a constant vector of value (peer * spread), so the consensus error is known:
// (1/n) sum_i ||x_i - x_bar||^2 = d * spread^2 * var(0..n-1).
struct FakeRun {
  std::filesystem::path dir;
  int peers = 4;
  int rounds = 20;
  size_t size = 500;
  double spread = 0.1;
  json training = {{"rounds", 20}, {"algorithm", "atc"}, {"compressor", {{"kind", "identity"}}}};
  std::string graph = "ring";

  std::vector<float> model(int peer) const { return std::vector<float>(size, static_cast<float>(peer * spread)); }

  double consensus_error(const std::vector<int>& honest) const {
    double mean = 0, total = 0;
    for (int peer : honest) mean += peer * spread / honest.size();
    for (int peer : honest) total += (peer * spread - mean) * (peer * spread - mean) * size;
    return total / honest.size();
  }

  json line(int peer, int round) const {
    json line{{"round", round},         {"elapsed_seconds", 0.1 * (round + 1)}, {"loss", 1.0 / (round + 1)},
              {"bytes_sent", 1000},     {"compute_seconds", 0.01},              {"communicate_seconds", 0.002},
              {"wait_seconds", 0.03 * peer}, {"missing", json::array()}};
    if ((round + 1) % 5 == 0) {
      line["test_accuracy"] = 0.5 + 0.01 * round;
      line["test_loss"] = 2.0 / (round + 1);
      line["sketch"] = model_sketch(model(peer), 64, sketch_seed(7, round));
    }
    return line;
  }

  void write(const std::vector<int>& present) const {
    std::filesystem::create_directories(dir);
    json topology{{"version", 1}, {"seed", 7}, {"graph", {{"kind", graph}}}, {"peers", json::array()}, {"training", training}};
    for (int id = 0; id < peers; ++id) topology["peers"].push_back({{"id", id}, {"host", "127.0.0.1"}, {"port", 20000 + id}});
    std::ofstream(dir / "topology.json") << topology.dump(1);
    std::ofstream(dir / "config.json") << json{{"training", training}}.dump(1);
    for (int peer : present) {
      std::filesystem::create_directories(dir / ("peer-" + std::to_string(peer)));
      std::ofstream out(dir / ("peer-" + std::to_string(peer)) / "metrics.jsonl");
      for (int round = 0; round < rounds; ++round) out << line(peer, round).dump() << "\n";
    }
  }
};

bool any_contains(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& line : lines) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("report: a complete run gives the known consensus error at each sketched round, no warnings") {
  testing::TempDir temp;
  FakeRun fake{temp.path() / "ring"};
  fake.write({0, 1, 2, 3});
  const RunData run = load_run(fake.dir);
  CHECK(run.warnings.empty());
  REQUIRE(run.peers.size() == 4);
  REQUIRE(run.consensus.size() == 4);  // rounds 4, 9, 14, 19
  const double exact = fake.consensus_error({0, 1, 2, 3});
  for (const auto& point : run.consensus) {
    CHECK(point.peers == 4);
    // A rank-one spread: the estimate is within 2.5 sqrt(2/k) with 98.8% probability.
    CHECK(point.estimate == doctest::Approx(exact).epsilon(2.5 * sketch_relative_error(64)));
    REQUIRE(point.distance[3]);
    CHECK(*point.distance[3] > *point.distance[2]);  // peer 3 is furthest from the mean of 0..3
  }
  CHECK(run.rounds == 20);
}

TEST_CASE("report: damaged and partial metrics become warnings naming file and line, never a crash") {
  testing::TempDir temp;
  FakeRun fake{temp.path() / "partial"};
  fake.write({0, 1, 3});  // peer 2's folder never copied
  {
    std::ofstream out(fake.dir / "peer-1" / "metrics.jsonl", std::ios::app);
    out << "{\"round\": 20, \"loss\": 0.1, \"bytes_sent\"";  // cut mid-line
  }
  {
    // Peer 3 stopped early, and one of its lines is garbage.
    std::ofstream out(fake.dir / "peer-3" / "metrics.jsonl");
    for (int round = 0; round < 8; ++round) out << (round == 3 ? std::string("not json at all") : fake.line(3, round).dump()) << "\n";
  }
  std::ofstream(fake.dir / "summary.json") << "{ \"rounds\": ";  // a truncated summary
  const RunData run = load_run(fake.dir);
  for (const auto& warning : run.warnings) MESSAGE(warning);
  CHECK(any_contains(run.warnings, "peer-2/metrics.jsonl: missing"));
  CHECK(any_contains(run.warnings, "peer-1/metrics.jsonl line 21: incomplete last line"));
  CHECK(any_contains(run.warnings, "peer-3/metrics.jsonl line 4: not a metrics line"));
  CHECK(any_contains(run.warnings, "peer 3 stopped at round 8 of 20"));
  CHECK(any_contains(run.warnings, "summary.json: not valid JSON"));
  REQUIRE(run.peers.size() == 4);
  CHECK(run.peers[1].lines.size() == 20);
  CHECK(run.peers[3].lines.size() == 7);
  // Rounds 4: peers 0, 1, 3 sketched; rounds 9..19: only 0 and 1.
  REQUIRE(run.consensus.size() == 4);
  CHECK(run.consensus[0].peers == 3);
  CHECK(run.consensus[1].peers == 2);
  CHECK_FALSE(run.consensus[1].distance[2]);
  CHECK(run.consensus[1].estimate == doctest::Approx(fake.consensus_error({0, 1})).epsilon(2.5 * sketch_relative_error(64)));
  // The page, the table and the terminal frame all still come out.
  const std::vector<std::string> labels = run_labels({run});
  const std::string page = report_html({run}, labels);
  CHECK(page.find("peer-1/metrics.jsonl line 21") != std::string::npos);
  CHECK(table_rows({run}, labels).size() == 20 + 20 + 7);
  CHECK(any_contains(terminal_view(run, {}), "no metrics file"));
}

TEST_CASE("report: Byzantine peers are left out of the consensus error and marked") {
  testing::TempDir temp;
  FakeRun fake{temp.path() / "byzantine"};
  fake.training["byzantine"] = json::array({{{"peers", {3}}, {"attack", "sign_flip"}}});
  fake.write({0, 1, 2, 3});
  const RunData run = load_run(fake.dir);
  CHECK(run.peers[3].attack == "sign_flip");
  REQUIRE_FALSE(run.consensus.empty());
  CHECK(run.consensus[0].peers == 3);
  CHECK(run.consensus[0].estimate == doctest::Approx(fake.consensus_error({0, 1, 2})).epsilon(2.5 * sketch_relative_error(64)));
  REQUIRE(run.consensus[0].distance[3]);  // its distance from the honest mean is still shown
  const json data = page_data({run}, {"x"});
  CHECK(data["runs"][0]["heat"]["peers"][3]["attack"] == "sign_flip");
  CHECK(data["runs"][0]["honest_peers"] == 3);
  CHECK(any_contains(terminal_view(run, {}), "* Byzantine"));
}

TEST_CASE("report: a run gathered from several VMs (peer folders only, no settings) still reads") {
  testing::TempDir temp;
  FakeRun fake{temp.path() / "gathered"};
  fake.write({0, 1, 2});
  std::filesystem::remove(fake.dir / "topology.json");
  std::filesystem::remove(fake.dir / "config.json");
  std::filesystem::create_directories(fake.dir / "peer-x");  // not a peer folder
  const RunData run = load_run(fake.dir);
  CHECK(any_contains(run.warnings, "no config.json or topology.json"));
  CHECK(run.peers.size() == 3);
  CHECK(run.rounds == 20);  // from the metrics
  CHECK(run.consensus.size() == 4);
}

TEST_CASE("report: the legend is made of the settings that differ") {
  testing::TempDir temp;
  FakeRun ring{temp.path() / "a"}, exponential{temp.path() / "b"};
  exponential.graph = "exponential";
  exponential.training["algorithm"] = "gradient_tracking";
  ring.write({0, 1});
  exponential.write({0, 1});
  const std::vector<std::string> labels = run_labels({load_run(ring.dir), load_run(exponential.dir)});
  CHECK(labels[0] == "graph=ring, algorithm=atc");
  CHECK(labels[1] == "graph=exponential, algorithm=gradient_tracking");
  CHECK(run_labels({load_run(ring.dir), load_run(ring.dir)})[0] == "a");  // nothing differs: the folder's name
  CHECK(flatten_settings(json{{"training", {{"compressor", {{"kind", "top_k"}}}}}})["training.compressor.kind"] == "top_k");
}

TEST_CASE("report: the CSV has a row per run, peer and round, quoted where needed") {
  testing::TempDir temp;
  FakeRun fake{temp.path() / "csv"};
  fake.write({0, 1});
  const RunData run = load_run(fake.dir);
  const std::string csv = table_csv(table_rows({run}, {"graph=ring, algorithm=atc"}));
  const size_t lines = static_cast<size_t>(std::count(csv.begin(), csv.end(), '\n'));
  CHECK(lines == 1 + 2 * 20);
  CHECK(csv.starts_with("run,label,peer,byzantine,round,"));
  CHECK(csv.find("csv,\"graph=ring, algorithm=atc\",1,,19,") != std::string::npos);
  const json table = table_json({run}, {"l"});
  CHECK(table["rows"].size() == 40);
  CHECK(table["rows"][4]["consensus_error"].is_number());  // round 4 was sketched
  CHECK(table["runs"][0]["settings"]["graph"]["kind"] == "ring");
}

TEST_CASE("report: the page is self-contained: Chart.js inline, nothing fetched") {
  testing::TempDir temp;
  FakeRun fake{temp.path() / "page"};
  fake.write({0, 1, 2, 3});
  const RunData run = load_run(fake.dir);
  const std::string page = report_html({run}, run_labels({run}));
  CHECK(page.find("Chart.js v3") != std::string::npos);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("href=") == std::string::npos);
  CHECK(page.find("/*@") == std::string::npos);  // every placeholder filled
  CHECK(page.find("&radic;(2/k)") != std::string::npos);
}

TEST_CASE("watch: a row per peer within 80 columns, and a log-scale sparkline") {
  testing::TempDir temp;
  FakeRun fake{temp.path() / "watch"};
  fake.peers = 12;
  fake.write({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  const RunData run = load_run(fake.dir, false);
  for (bool unicode : {true, false}) {
    const std::vector<std::string> frame = terminal_view(run, {80, unicode, false});
    for (int peer = 0; peer < 12; ++peer) {
      char start[16];
      std::snprintf(start, sizeof(start), "%4d ", peer);
      const bool row = std::any_of(frame.begin(), frame.end(), [&](const std::string& line) {
        return line.starts_with(start) && line.find(" 20/20 ") != std::string::npos;
      });
      CHECK_MESSAGE(row, peer);
    }
    for (const auto& line : frame) {
      size_t columns = 0;
      for (unsigned char c : line) columns += (c & 0xC0) != 0x80 ? 1 : 0;
      CHECK(columns <= 80);
    }
    CHECK(any_contains(frame, "consensus"));
  }
  CHECK(sparkline({1e-1, 1e-2, 1e-3, 1e-4}, 10, false) == "#+-_");  // equal steps in log10: evenly spread levels
  CHECK(sparkline({1, 2, 3, 4, 5}, 3, false).size() == 3);            // the newest that fit
  CHECK(sparkline({}, 10, true).empty());
}
