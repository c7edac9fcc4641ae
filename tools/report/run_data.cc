#include "tools/report/run_data.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "common/config_error.h"
#include "common/json_parse.h"
#include "runtime/average_model.h"
#include "runtime/run_directory.h"
#include "runtime/sketch.h"

namespace gossip::report {
namespace {

std::string relative(const RunData& run, const std::filesystem::path& path) {
  return (std::filesystem::path(run.name) / std::filesystem::relative(path, run.dir)).string();
}

std::optional<nlohmann::json> read_json(RunData& run, const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return parse_json(text, relative(run, path));
  } catch (const ConfigError& error) {
    run.warnings.push_back(std::string(error.what()) + ": left out");
    return std::nullopt;
  }
}

// The first peer folder's copy of `name`: every peer keeps its own (peer_process.cc).
std::filesystem::path first_peer_copy(const RunData& run, const std::string& name) {
  std::error_code error;
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(run.dir, error)) {
    if (entry.path().filename().string().starts_with("peer-") && std::filesystem::exists(entry.path() / name)) {
      found.push_back(entry.path() / name);
    }
  }
  std::sort(found.begin(), found.end());
  return found.empty() ? run.dir / name : found.front();
}

// The settings from config.json (launch) and topology.json, whichever are there: the run's
// own, else those a peer kept in its folder (hand-started peers, runs gathered from VMs).
void read_settings(RunData& run) {
  nlohmann::json settings = nlohmann::json::object();
  auto path_of = [&](const std::string& name) {
    return std::filesystem::exists(run.dir / name) ? run.dir / name : first_peer_copy(run, name);
  };
  if (auto topology = read_json(run, path_of("topology.json"))) {
    if (topology->contains("graph")) settings["graph"] = (*topology)["graph"];
    if (topology->contains("peers") && (*topology)["peers"].is_array()) settings["peers"] = (*topology)["peers"].size();
    if (topology->contains("training")) settings["training"] = (*topology)["training"];
  }
  if (auto config = read_json(run, path_of("config.json")); config && config->contains("training")) {
    settings["training"] = (*config)["training"];  // resolved: every default filled in
  }
  if (settings.empty()) {
    run.warnings.push_back(run.name + ": no config.json or topology.json: the settings are unknown, the peers are "
                           "the peer-N folders found");
  }
  run.settings = std::move(settings);
}

// The peer ids: from the topology when known, else the peer-N folders found.
std::vector<int> peer_ids(const RunData& run) {
  std::set<int> ids;
  if (run.settings.contains("peers") && run.settings["peers"].is_number_unsigned()) {
    for (int peer = 0; peer < run.settings["peers"].get<int>(); ++peer) ids.insert(peer);
  }
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(run.dir, error)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !name.starts_with("peer-")) continue;
    try {
      size_t used = 0;
      const int id = std::stoi(name.substr(5), &used);
      if (used == name.size() - 5 && id >= 0) ids.insert(id);
    } catch (const std::exception&) {
    }
  }
  return {ids.begin(), ids.end()};
}

std::map<int, std::string> byzantine_attacks(const nlohmann::json& settings) {
  std::map<int, std::string> attacks;
  const nlohmann::json* entries = nullptr;
  if (settings.contains("training") && settings["training"].contains("byzantine")) entries = &settings["training"]["byzantine"];
  if (!entries || !entries->is_array()) return attacks;
  for (const auto& entry : *entries) {
    if (!entry.is_object() || !entry.contains("peers") || !entry["peers"].is_array()) continue;
    const std::string attack = entry.value("attack", std::string("byzantine"));
    for (const auto& peer : entry["peers"]) {
      if (peer.is_number_integer()) attacks[peer.get<int>()] = attack;
    }
  }
  return attacks;
}

// Every complete line that is a JSON object with a round; the rest are named in warnings.
void read_peer_metrics(RunData& run, PeerSeries& series) {
  const std::filesystem::path path = metrics_path(run.dir, series.peer);
  series.lines.clear();
  std::ifstream in(path, std::ios::binary);
  series.found = static_cast<bool>(in);
  if (!series.found) {
    run.warnings.push_back(relative(run, path) + ": missing (the peer never started, or its folder was not copied)");
    return;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<int64_t, nlohmann::json> by_round;
  size_t start = 0;
  for (int64_t number = 1; start < text.size(); ++number) {
    const size_t end = text.find('\n', start);
    const std::string where = relative(run, path) + " line " + std::to_string(number);
    if (end == std::string::npos) {
      run.warnings.push_back(where + ": incomplete last line (still being written, or the file was cut): skipped");
      break;
    }
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    std::optional<nlohmann::json> parsed = try_parse_json(line);
    nlohmann::json value = parsed ? std::move(*parsed) : nlohmann::json();
    if (!value.is_object() || !value.contains("round") || !value["round"].is_number_integer()) {
      run.warnings.push_back(where + ": not a metrics line (a JSON object with a round): skipped");
      continue;
    }
    const int64_t round = value["round"].get<int64_t>();  // before the move: json's operator= takes its argument by value
    by_round[round] = std::move(value);
  }
  for (auto& [round, line] : by_round) series.lines.push_back(std::move(line));
}

// At every round where two or more honest peers sketched their model: the estimate over
// them and each peer's distance from their mean.
void rebuild_consensus(RunData& run) {
  run.consensus.clear();
  std::map<int64_t, std::vector<std::pair<size_t, std::vector<double>>>> by_round;  // round -> (peer index, sketch)
  for (size_t index = 0; index < run.peers.size(); ++index) {
    for (const auto& line : run.peers[index].lines) {
      if (!line.contains("sketch") || !line["sketch"].is_array()) continue;
      try {
        by_round[line["round"].get<int64_t>()].emplace_back(index, line["sketch"].get<std::vector<double>>());
      } catch (const nlohmann::json::exception&) {
      }
    }
  }
  for (auto& [round, sketches] : by_round) {
    std::vector<std::vector<double>> honest;
    const size_t rows = sketches.front().second.size();
    for (const auto& [index, sketch] : sketches) {
      if (sketch.size() == rows && run.peers[index].attack.empty()) honest.push_back(sketch);
    }
    if (honest.size() < 2 || rows == 0) continue;
    run.sketch_rows = static_cast<int>(rows);
    ConsensusPoint point{round, consensus_error_estimate(honest), static_cast<int>(honest.size()),
                         std::vector<std::optional<double>>(run.peers.size())};
    std::vector<double> mean(rows, 0.0);
    for (const auto& sketch : honest) {
      for (size_t r = 0; r < rows; ++r) mean[r] += sketch[r] / static_cast<double>(honest.size());
    }
    for (const auto& [index, sketch] : sketches) {
      if (sketch.size() != rows) continue;
      double squared = 0;
      for (size_t r = 0; r < rows; ++r) squared += (sketch[r] - mean[r]) * (sketch[r] - mean[r]);
      point.distance[index] = squared;
    }
    run.consensus.push_back(std::move(point));
  }
}

// A finished run (a summary, or a peer at the last round) names each peer that stopped
// short; a run in progress names the peers far behind the rest (a few rounds apart is
// normal: a peer may run up to the transport's look-ahead ahead of its neighbours).
void warn_about_stragglers(RunData& run) {
  constexpr int64_t kBehind = 20;
  int64_t furthest = -1;
  for (const auto& series : run.peers) furthest = std::max(furthest, series.last_round());
  const bool finished = !run.summary.is_null() || (run.rounds > 0 && furthest + 1 >= run.rounds);
  for (const auto& series : run.peers) {
    if (!series.found) continue;
    const int64_t done = series.last_round() + 1;
    if (series.lines.empty()) {
      run.warnings.push_back(relative(run, metrics_path(run.dir, series.peer)) + ": no complete round yet");
    } else if (finished && done < run.rounds) {
      run.warnings.push_back("peer " + std::to_string(series.peer) + " stopped at round " + std::to_string(done) +
                             " of " + std::to_string(run.rounds));
    } else if (!finished && done + kBehind <= furthest + 1) {
      run.warnings.push_back("peer " + std::to_string(series.peer) + " is " + std::to_string(furthest + 1 - done) +
                             " rounds behind the furthest peer (stopped, or a straggler)");
    }
  }
}

// "graph.kind" -> "graph", "training.compressor.kind" -> "compressor", "training.rounds" -> "rounds".
std::string label_name(const std::string& key) {
  std::string name = key;
  if (name.ends_with(".kind")) name.resize(name.size() - 5);
  return name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
}

}  // namespace

RunData load_run(const std::filesystem::path& dir, bool average_model) {
  RunData run;
  run.dir = dir;
  run.name = std::filesystem::absolute(dir).lexically_normal().filename().string();
  if (run.name.empty()) run.name = std::filesystem::absolute(dir).lexically_normal().parent_path().filename().string();
  if (!std::filesystem::is_directory(dir)) {
    run.warnings.push_back(dir.string() + ": not a directory");
    return run;
  }
  read_settings(run);
  if (auto summary = read_json(run, dir / "summary.json")) run.summary = std::move(*summary);
  const nlohmann::json& training = run.settings.contains("training") ? run.settings["training"] : nlohmann::json();
  if (training.is_object()) run.rounds = training.value("rounds", int64_t{0});
  const auto attacks = byzantine_attacks(run.settings);
  for (int peer : peer_ids(run)) {
    PeerSeries series;
    series.peer = peer;
    if (auto found = attacks.find(peer); found != attacks.end()) series.attack = found->second;
    run.peers.push_back(std::move(series));
  }
  if (run.peers.empty()) run.warnings.push_back(run.name + ": no peer-N folders: nothing to show");
  for (auto& series : run.peers) read_peer_metrics(run, series);
  rebuild_consensus(run);
  if (run.rounds == 0) {
    for (const auto& series : run.peers) run.rounds = std::max(run.rounds, series.last_round() + 1);
  }
  warn_about_stragglers(run);
  run.average_curve = nlohmann::json::array();
  if (average_model && std::filesystem::exists(snapshot_directory(dir, 0))) {
    try {
      run.average_curve = average_model_curve(dir);
    } catch (const std::exception& error) {
      run.warnings.push_back(run.name + ": the average model's curve from the snapshots failed: " + error.what());
    }
  }
  return run;
}

nlohmann::json flatten_settings(const nlohmann::json& settings) {
  nlohmann::json flat = nlohmann::json::object();
  auto walk = [&](auto& self, const nlohmann::json& value, const std::string& path) -> void {
    if (value.is_object() && !value.empty()) {
      for (const auto& [key, member] : value.items()) self(self, member, path.empty() ? key : path + "." + key);
    } else {
      flat[path] = value;
    }
  };
  walk(walk, settings, "");
  return flat;
}

std::vector<std::string> run_labels(const std::vector<RunData>& runs) {
  std::vector<nlohmann::json> flat;
  std::set<std::string> keys;
  for (const auto& run : runs) {
    flat.push_back(flatten_settings(run.settings));
    for (const auto& [key, value] : flat.back().items()) keys.insert(key);
  }
  // The settings people compare first lead the label; seeds and ports never make one.
  const std::vector<std::string> first{"graph.kind", "training.algorithm", "training.compressor.kind",
                                       "training.aggregator.kind", "peers"};
  std::vector<std::string> differing;
  auto differs = [&](const std::string& key) {
    for (const auto& settings : flat) {
      const nlohmann::json value = settings.contains(key) ? settings[key] : nlohmann::json();
      const nlohmann::json other = flat.front().contains(key) ? flat.front()[key] : nlohmann::json();
      if (value != other) return true;
    }
    return false;
  };
  for (const auto& key : first) {
    if (keys.contains(key) && differs(key)) differing.push_back(key);
  }
  for (const auto& key : keys) {
    if (std::find(first.begin(), first.end(), key) == first.end() && key != "training.seed" && differs(key)) {
      differing.push_back(key);
    }
  }
  std::vector<std::string> labels;
  for (size_t i = 0; i < runs.size(); ++i) {
    std::string label;
    for (const auto& key : differing) {
      if (label.size() > 60) break;
      const std::string name = label_name(key);
      const nlohmann::json value = flat[i].contains(key) ? flat[i][key] : nlohmann::json("-");
      label += (label.empty() ? "" : ", ") + name + "=" +
               (value.is_string() ? value.get<std::string>() : value.dump());
    }
    labels.push_back(label.empty() ? runs[i].name : label);
  }
  return labels;
}

}  // namespace gossip::report
