#include "runtime/average_model.h"

#include <cmath>

#include "common/config_error.h"
#include "runtime/checkpoint.h"
#include "runtime/metrics_log.h"
#include "runtime/run_directory.h"
#include "runtime/task.h"
#include "topology/topology_file.h"

namespace gossip {

std::optional<AverageModel> average_of(const std::vector<std::filesystem::path>& files) {
  std::vector<std::vector<float>> models;
  for (const auto& file : files) {
    if (!std::filesystem::exists(file)) return std::nullopt;
    models.push_back(checkpoint_model(load_checkpoint(file), file));
    if (models.back().size() != models.front().size()) return std::nullopt;
  }
  if (models.empty()) return std::nullopt;
  const double n = static_cast<double>(models.size());
  std::vector<double> sum(models.front().size(), 0.0);
  for (const auto& model : models) {
    for (size_t j = 0; j < model.size(); ++j) sum[j] += model[j];
  }
  AverageModel average{std::vector<float>(sum.size()), 0.0};
  for (size_t j = 0; j < sum.size(); ++j) average.model[j] = static_cast<float>(sum[j] / n);
  for (const auto& model : models) {
    for (size_t j = 0; j < model.size(); ++j) average.consensus_error += std::pow(double{model[j]} - sum[j] / n, 2);
  }
  average.consensus_error /= n;
  return average;
}

nlohmann::json average_model_curve(const std::filesystem::path& run_dir) {
  const auto topology_path = run_dir / "topology.json";
  if (!std::filesystem::exists(topology_path)) {
    throw ConfigError(run_dir.string() + ": no topology.json (is it a run directory of gossip launch?)");
  }
  const LoadedTopology loaded = load_topology(topology_path.string());
  const TrainingConfig config = parse_training_config(loaded.file.training, loaded.file.seed);
  const int peers = static_cast<int>(loaded.file.peers.size());
  std::vector<std::vector<int64_t>> cumulative_bytes(peers);  // by peer, by round
  for (int peer = 0; peer < peers; ++peer) {
    uint64_t total = 0;
    for (const auto& line : read_metrics(metrics_path(run_dir, peer))) {
      total += line.value("bytes_sent", uint64_t{0});
      cumulative_bytes[peer].push_back(static_cast<int64_t>(total));
    }
  }
  std::unique_ptr<Task> task = make_task({0, peers, config});
  nlohmann::json curve = nlohmann::json::array();
  for (int64_t round : checkpoint_rounds(snapshot_directory(run_dir, 0))) {
    std::vector<std::filesystem::path> files;
    double bytes = 0;
    for (int peer = 0; peer < peers; ++peer) {
      files.push_back(checkpoint_path(snapshot_directory(run_dir, peer), round));
      const auto& sent = cumulative_bytes[peer];
      bytes += sent.empty() ? 0.0 : static_cast<double>(sent[std::min<size_t>(round, sent.size()) - 1]);
    }
    const auto average = average_of(files);
    if (!average) continue;  // a peer has not saved this round (yet)
    if (average->model.size() != task->parameter_count()) continue;  // a script's model, not the task's
    const Evaluation evaluation = task->evaluate(average->model);
    nlohmann::json point{{"round", round},
                         {"test_loss", evaluation.loss},
                         {"consensus_error_exact", average->consensus_error},
                         {"bytes_sent_per_peer", bytes / peers}};
    if (evaluation.accuracy) point["test_accuracy"] = *evaluation.accuracy;
    curve.push_back(point);
  }
  return curve;
}

}  // namespace gossip
