#include "tools/report/report_page.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/config_error.h"
#include "runtime/sketch.h"
#include "tools/report/embedded_assets.h"

namespace gossip::report {
namespace {

// The page counts rounds done (metrics line r is the end of round r + 1), the way the
// snapshots and the summary count them, so their points line up with the curves.
int64_t rounds_done(int64_t round) { return round + 1; }

// Mean, min and max of a field over the honest peers, by round.
struct Band {
  std::vector<int64_t> rounds;
  nlohmann::json mean = nlohmann::json::array(), low = nlohmann::json::array(), high = nlohmann::json::array();
};

Band honest_band(const RunData& run, const char* field) {
  std::map<int64_t, std::vector<double>> values;
  for (const auto& series : run.peers) {
    if (!series.attack.empty()) continue;
    for (const auto& line : series.lines) {
      if (line.contains(field) && line[field].is_number()) values[line["round"].get<int64_t>()].push_back(line[field].get<double>());
    }
  }
  Band band;
  for (const auto& [round, at] : values) {
    double sum = 0;
    for (double value : at) sum += value;
    band.rounds.push_back(round);
    band.mean.push_back(sum / static_cast<double>(at.size()));
    band.low.push_back(*std::min_element(at.begin(), at.end()));
    band.high.push_back(*std::max_element(at.begin(), at.end()));
  }
  return band;
}

nlohmann::json band_json(const Band& band) {
  nlohmann::json done = nlohmann::json::array();
  for (int64_t round : band.rounds) done.push_back(rounds_done(round));
  return {{"round", done}, {"mean", band.mean}, {"low", band.low}, {"high", band.high}};
}

// Bytes sent by all peers together, summed up to each round.
std::map<int64_t, double> cumulative_bytes(const RunData& run) {
  std::map<int64_t, double> per_round;
  for (const auto& series : run.peers) {
    for (const auto& line : series.lines) per_round[line["round"].get<int64_t>()] += line.value("bytes_sent", 0.0);
  }
  double total = 0;
  for (auto& [round, bytes] : per_round) bytes = (total += bytes);
  return per_round;
}

nlohmann::json time_split(const RunData& run) {
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& series : run.peers) {
    double compute = 0, communicate = 0, wait = 0;
    for (const auto& line : series.lines) {
      compute += line.value("compute_seconds", 0.0);
      communicate += line.value("communicate_seconds", 0.0);
      wait += line.value("wait_seconds", 0.0);
    }
    peers.push_back({{"peer", series.peer}, {"attack", series.attack}, {"found", series.found},
                     {"rounds", series.lines.size()}, {"compute", compute}, {"communicate", communicate}, {"wait", wait}});
  }
  return peers;
}

nlohmann::json heat_map(const RunData& run) {
  nlohmann::json rounds = nlohmann::json::array(), peers = nlohmann::json::array();
  for (const auto& point : run.consensus) rounds.push_back(rounds_done(point.round));
  for (size_t index = 0; index < run.peers.size(); ++index) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto& point : run.consensus) {
      values.push_back(point.distance[index] ? nlohmann::json(*point.distance[index]) : nlohmann::json());
    }
    const PeerSeries& series = run.peers[index];
    peers.push_back({{"peer", series.peer}, {"attack", series.attack}, {"found", series.found}, {"values", values}});
  }
  return {{"rounds", rounds}, {"peers", peers}};
}

nlohmann::json run_json(const RunData& run, const std::string& label) {
  const std::map<int64_t, double> bytes = cumulative_bytes(run);
  auto bytes_at = [&](int64_t round) {
    auto found = bytes.upper_bound(round);
    return found == bytes.begin() ? 0.0 : std::prev(found)->second;
  };
  nlohmann::json sent{{"round", nlohmann::json::array()}, {"bytes", nlohmann::json::array()}};
  for (const auto& [round, total] : bytes) {
    sent["round"].push_back(rounds_done(round));
    sent["bytes"].push_back(total);
  }
  const Band accuracy = honest_band(run, "test_accuracy");
  nlohmann::json accuracy_bytes = nlohmann::json::array();
  for (size_t i = 0; i < accuracy.rounds.size(); ++i) accuracy_bytes.push_back(bytes_at(accuracy.rounds[i]));
  nlohmann::json consensus{{"round", nlohmann::json::array()}, {"estimate", nlohmann::json::array()},
                           {"peers", nlohmann::json::array()}};
  for (const auto& point : run.consensus) {
    consensus["round"].push_back(rounds_done(point.round));
    consensus["estimate"].push_back(point.estimate);
    consensus["peers"].push_back(point.peers);
  }
  int honest = 0;
  for (const auto& series : run.peers) honest += series.attack.empty() ? 1 : 0;
  nlohmann::json average = run.average_curve;
  for (auto& point : average) point["bytes"] = point.value("bytes_sent_per_peer", 0.0) * static_cast<double>(run.peers.size());
  return {{"name", run.name},
          {"label", label},
          {"dir", run.dir.string()},
          {"rounds", run.rounds},
          {"peers", run.peers.size()},
          {"honest_peers", honest},
          {"sketch_rows", run.sketch_rows},
          {"sketch_relative_error", sketch_relative_error(run.sketch_rows)},
          {"loss", band_json(honest_band(run, "loss"))},
          {"test_loss", band_json(honest_band(run, "test_loss"))},
          {"test_accuracy", band_json(accuracy)},
          {"test_accuracy_bytes", accuracy_bytes},
          {"bytes_sent", sent},
          {"consensus", consensus},
          {"average_model", average},
          {"time", time_split(run)},
          {"heat", heat_map(run)},
          {"settings", flatten_settings(run.settings)},
          {"summary", run.summary},
          {"warnings", run.warnings}};
}

void replace(std::string& text, std::string_view placeholder, std::string_view value) {
  const size_t at = text.find(placeholder);
  if (at == std::string::npos) throw std::logic_error("report template lacks " + std::string(placeholder));
  text.replace(at, placeholder.size(), value);
}

}  // namespace

nlohmann::json page_data(const std::vector<RunData>& runs, const std::vector<std::string>& labels) {
  nlohmann::json data{{"runs", nlohmann::json::array()}};
  for (size_t r = 0; r < runs.size(); ++r) data["runs"].push_back(run_json(runs[r], labels[r]));
  return data;
}

std::string report_html(const std::vector<RunData>& runs, const std::vector<std::string>& labels) {
  if (kChartJs.empty()) {
    throw ConfigError("this gossip was built without Chart.js, which the report inlines: install libjs-chart.js "
                      "(tools/setup.sh does) and rebuild");
  }
  // "</" inside a script would end it early: JSON allows "<\/" for the same text.
  std::string data = page_data(runs, labels).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (size_t at = data.find("</"); at != std::string::npos; at = data.find("</", at + 3)) data.replace(at, 2, "<\\/");
  std::string page(kPageTemplate);
  replace(page, "/*@CHART_JS@*/", kChartJs);
  replace(page, "/*@REPORT_DATA@*/", data);
  return page;
}

}  // namespace gossip::report
