#include "tools/report/report_table.h"

#include <map>

namespace gossip::report {
namespace {

// The metrics fields copied as they are.
constexpr const char* kCopied[] = {"elapsed_seconds", "learning_rate", "loss", "train_accuracy", "test_loss",
                                   "test_accuracy", "distance_to_optimum", "bytes_sent", "bytes_received",
                                   "payload_bytes", "compute_seconds", "communicate_seconds", "wait_seconds"};

std::string csv_field(const nlohmann::json& value) {
  if (value.is_null()) return "";
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

}  // namespace

const std::vector<std::string>& table_columns() {
  static const std::vector<std::string> columns = [] {
    std::vector<std::string> names{"run", "label", "peer", "byzantine", "round"};
    names.insert(names.end(), std::begin(kCopied), std::end(kCopied));
    for (const char* name : {"missing_neighbours", "distance_from_mean_sq", "consensus_error"}) names.push_back(name);
    return names;
  }();
  return columns;
}

nlohmann::json table_rows(const std::vector<RunData>& runs, const std::vector<std::string>& labels) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t r = 0; r < runs.size(); ++r) {
    const RunData& run = runs[r];
    std::map<int64_t, const ConsensusPoint*> consensus;
    for (const auto& point : run.consensus) consensus[point.round] = &point;
    for (size_t index = 0; index < run.peers.size(); ++index) {
      const PeerSeries& series = run.peers[index];
      for (const auto& line : series.lines) {
        const int64_t round = line["round"].get<int64_t>();
        nlohmann::json row{{"run", run.name}, {"label", labels[r]}, {"peer", series.peer},
                           {"byzantine", series.attack.empty() ? nlohmann::json() : nlohmann::json(series.attack)},
                           {"round", round}};
        for (const char* name : kCopied) row[name] = line.contains(name) ? line[name] : nlohmann::json();
        std::string missing;
        if (line.contains("missing") && line["missing"].is_array()) {
          for (const auto& peer : line["missing"]) missing += (missing.empty() ? "" : ";") + peer.dump();
        }
        row["missing_neighbours"] = missing;
        row["distance_from_mean_sq"] = nullptr;
        row["consensus_error"] = nullptr;
        if (auto found = consensus.find(round); found != consensus.end()) {
          if (found->second->distance[index]) row["distance_from_mean_sq"] = *found->second->distance[index];
          row["consensus_error"] = found->second->estimate;
        }
        rows.push_back(std::move(row));
      }
    }
  }
  return rows;
}

std::string table_csv(const nlohmann::json& rows) {
  std::string out;
  for (const auto& column : table_columns()) out += (out.empty() ? "" : ",") + column;
  out += "\n";
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < table_columns().size(); ++c) {
      const auto& column = table_columns()[c];
      line += (c ? "," : "") + csv_field(row.contains(column) ? row[column] : nlohmann::json());
    }
    out += line + "\n";
  }
  return out;
}

nlohmann::json table_json(const std::vector<RunData>& runs, const std::vector<std::string>& labels) {
  nlohmann::json out{{"runs", nlohmann::json::array()}, {"rows", table_rows(runs, labels)}, {"warnings", nlohmann::json::array()}};
  for (size_t r = 0; r < runs.size(); ++r) {
    out["runs"].push_back({{"name", runs[r].name}, {"label", labels[r]}, {"dir", runs[r].dir.string()},
                           {"settings", runs[r].settings}, {"summary", runs[r].summary}});
    for (const auto& warning : runs[r].warnings) out["warnings"].push_back(warning);
  }
  return out;
}

}  // namespace gossip::report
