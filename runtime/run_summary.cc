#include "runtime/run_summary.h"

#include <cmath>
#include <cstdio>

#include "runtime/average_model.h"
#include "runtime/checkpoint.h"
#include "runtime/run_directory.h"
#include "runtime/task.h"
#include "runtime/training_config.h"

namespace gossip {

nlohmann::json summarize_run(const std::filesystem::path& run_dir, const LoadedTopology& loaded,
                             const RunProgress& progress, const RunOutcome& outcome) {
  const TrainingConfig config = parse_training_config(loaded.file.training, loaded.file.seed);
  const int peers = static_cast<int>(loaded.file.peers.size());
  nlohmann::json summary{{"task", config.task},
                         {"peers", peers},
                         {"graph", loaded.file.graph.kind},
                         {"rounds", config.rounds},
                         {"wall_seconds", outcome.wall_seconds},
                         {"first_round", outcome.first_round},
                         {"rounds_run", config.rounds - outcome.first_round}};
  nlohmann::json per_peer = nlohmann::json::array(), accuracy_per_peer = nlohmann::json::array();
  uint64_t sent = 0, received = 0;
  for (const auto& peer : progress.peers()) {
    sent += peer.bytes_sent;
    received += peer.bytes_received;
    nlohmann::json entry{{"peer", peer.peer},           {"rounds_done", peer.round + 1},
                         {"bytes_sent", peer.bytes_sent}, {"missing_neighbour_rounds", peer.missing},
                         {"compute_seconds", peer.compute_seconds}, {"communicate_seconds", peer.communicate_seconds},
                         {"wait_seconds", peer.wait_seconds}};
    // Which neighbours it trained without: missing in every round it ran (never linked),
    // and how many rounds each other missing neighbour was missing.
    nlohmann::json without = nlohmann::json::array(), missing_rounds = nlohmann::json::object();
    for (const auto& [neighbour, rounds] : peer.missing_by_neighbour) {
      missing_rounds[std::to_string(neighbour)] = rounds;
      if (rounds == peer.rounds_seen) without.push_back(neighbour);
    }
    entry["never_heard_from"] = without;
    entry["missing_rounds_by_neighbour"] = missing_rounds;
    if (peer.test_accuracy) entry["test_accuracy"] = *peer.test_accuracy;
    if (peer.test_loss) entry["test_loss"] = *peer.test_loss;
    if (auto failed = outcome.failed.find(peer.peer); failed != outcome.failed.end()) entry["failed"] = failed->second;
    if (const ByzantineEntry* byzantine = byzantine_entry(config, peer.peer)) entry["byzantine"] = byzantine->attack;
    accuracy_per_peer.push_back(peer.test_accuracy ? nlohmann::json(*peer.test_accuracy) : nlohmann::json());
    per_peer.push_back(std::move(entry));
  }
  summary["test_accuracy_per_peer"] = accuracy_per_peer;
  summary["bytes_sent_total"] = sent;
  summary["bytes_received_total"] = received;
  if (auto consensus = progress.consensus_error()) {
    summary["consensus_error"] = consensus->second;
    summary["consensus_error_round"] = consensus->first;
  }
  // With Byzantine peers, the numbers that matter are the honest peers': their average
  // model and how far they agree. The summary says so.
  const std::vector<int> byzantine = byzantine_peers(config);
  if (!byzantine.empty()) {
    summary["byzantine_peers"] = byzantine;
    summary["honest_only"] = true;
  }
  std::vector<std::filesystem::path> finals;
  for (int peer = 0; peer < peers; ++peer) {
    if (!byzantine_entry(config, peer)) finals.push_back(final_model_path(run_dir, peer));
  }
  std::optional<AverageModel> average = average_of(finals);
  if (average) summary["consensus_error_exact"] = average->consensus_error;
  std::unique_ptr<Task> task = average ? make_task({0, peers, config}) : nullptr;
  // A training script's model is its own: the settings' task can evaluate it only when it
  // has that task's shape (a script that trains the built-in MLP's layout).
  if (task && average->model.size() == task->parameter_count()) {
    Evaluation evaluation = task->evaluate(average->model);
    if (evaluation.accuracy) summary["test_accuracy"] = *evaluation.accuracy;
    summary["test_loss"] = evaluation.loss;
    if (auto optimum = task->optimum()) {
      double squared = 0;
      for (size_t j = 0; j < optimum->size(); ++j) squared += std::pow(double{average->model[j]} - (*optimum)[j], 2);
      summary["distance_to_optimum"] = std::sqrt(squared);
    }
  }
  summary["failed_peers"] = nlohmann::json::array();
  for (const auto& [peer, how] : outcome.failed) summary["failed_peers"].push_back({{"peer", peer}, {"how", how}});
  summary["per_peer"] = per_peer;
  return summary;
}

std::string format_summary(const nlohmann::json& summary) {
  std::string out = "peer  test acc  rounds  missed  MB sent  compute s  wait s\n";
  char text[160];
  for (const auto& peer : summary["per_peer"]) {
    std::snprintf(text, sizeof(text), "%4d  %8s  %6lld  %6llu  %7.1f  %9.1f  %6.1f%s%s\n", peer["peer"].get<int>(),
                  peer.contains("test_accuracy") ? std::to_string(peer["test_accuracy"].get<double>()).substr(0, 6).c_str()
                                                 : "-",
                  peer["rounds_done"].get<long long>(), peer["missing_neighbour_rounds"].get<unsigned long long>(),
                  peer["bytes_sent"].get<double>() / 1e6, peer["compute_seconds"].get<double>(),
                  peer["wait_seconds"].get<double>(),
                  peer.contains("failed") ? ("  FAILED: " + peer["failed"].get<std::string>()).c_str() : "",
                  peer.contains("byzantine") ? ("  byzantine: " + peer["byzantine"].get<std::string>()).c_str() : "");
    out += text;
    if (peer.contains("never_heard_from") && !peer["never_heard_from"].empty()) {
      out.pop_back();
      out += "  never heard from peer(s)";
      for (const auto& id : peer["never_heard_from"]) out += " " + id.dump();
      out += "\n";
    }
  }
  if (summary.contains("byzantine_peers")) {
    std::string ids;
    for (const auto& peer : summary["byzantine_peers"]) ids += " " + std::to_string(peer.get<int>());
    out += "honest peers only below (Byzantine:" + ids + ")\n";
  }
  if (summary.contains("test_accuracy")) {
    std::snprintf(text, sizeof(text), "average model: test accuracy %.4f, test loss %.4f\n",
                  summary["test_accuracy"].get<double>(), summary["test_loss"].get<double>());
    out += text;
  } else if (summary.contains("test_loss")) {
    std::snprintf(text, sizeof(text), "average model: test loss %.6g\n", summary["test_loss"].get<double>());
    out += text;
  }
  if (summary.contains("distance_to_optimum")) {
    std::snprintf(text, sizeof(text), "average model: distance to the optimum %.3g\n",
                  summary["distance_to_optimum"].get<double>());
    out += text;
  }
  if (summary.contains("consensus_error_exact")) {
    std::snprintf(text, sizeof(text), "consensus error %.3g (sketch estimate %.3g)\n",
                  summary["consensus_error_exact"].get<double>(), summary.value("consensus_error", 0.0));
    out += text;
  }
  // Where the time went: on one machine the peers share its cores, and waiting for a
  // neighbour is mostly waiting for a core, so the wait share says why a run is slow.
  double compute = 0, communicate = 0, wait = 0;
  for (const auto& peer : summary["per_peer"]) {
    compute += peer.value("compute_seconds", 0.0);
    communicate += peer.value("communicate_seconds", 0.0);
    wait += peer.value("wait_seconds", 0.0);
  }
  if (const double busy = compute + communicate + wait; busy > 0) {
    std::snprintf(text, sizeof(text), "time of the peers: compute %.0f%%, communicate %.0f%%, wait for neighbours %.0f%%\n",
                  100 * compute / busy, 100 * communicate / busy, 100 * wait / busy);
    out += text;
  }
  const long long first = summary.value("first_round", 0LL);
  std::snprintf(text, sizeof(text), "%lld rounds%s in %.1f s, %.1f MB sent in all\n",
                summary["rounds"].get<long long>() - first,
                first > 0 ? (" (resumed at round " + std::to_string(first) + ")").c_str() : "",
                summary["wall_seconds"].get<double>(), summary["bytes_sent_total"].get<double>() / 1e6);
  return out + text;
}

}  // namespace gossip
