// The average model x_bar = (1/n) sum_i x_i of a run, from the peers' saved models: what a
// user would ship, and what the summary and the average-model curve evaluate. Computed
// where every peer's files sit together (a local launch, or run directories gathered).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>  // the curve is JSON
#include <optional>
#include <vector>

#include "runtime/training_config.h"

namespace gossip {

struct AverageModel {
  std::vector<float> model;
  double consensus_error = 0;  // (1/n) sum_i ||x_i - x_bar||^2
};

// From checkpoint-format files (their "model" sections); nothing when one is missing or
// the sizes differ.
std::optional<AverageModel> average_of(const std::vector<std::filesystem::path>& files);

// For every round at which each peer saved a snapshot (training.snapshot_every), in order:
// {round, test_loss, test_accuracy (classifiers), consensus_error_exact, bytes_sent_per_peer
// (the mean over the peers of what each sent until then)}. Reads RUN/topology.json for the
// settings; throws ConfigError naming what is missing.
nlohmann::json average_model_curve(const std::filesystem::path& run_dir);

}  // namespace gossip
