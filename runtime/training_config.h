// The training settings of a run: the `training` section of the topology file, with the
// flags of `gossip peer` / `gossip launch` laid over it. Every peer of a run resolves the
// same settings from the same file, so they agree without talking; the resolved form is
// written to the run directory.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>  // the settings are JSON in the topology file
#include <string>
#include <vector>

#include "algorithms/registry.h"  // kDefaultAlgorithm

namespace gossip {

enum class ScheduleKind { kConstant, kStep, kCosine };

struct LearningRateSchedule {
  double base = 0.05;
  ScheduleKind kind = ScheduleKind::kConstant;
  int64_t warmup_rounds = 0;  // linear ramp from base/warmup to base
  int64_t step_every = 0;     // kStep: multiply by step_gamma every this many rounds
  double step_gamma = 0.1;
  double final_fraction = 0;  // kCosine: decays to base * final_fraction at the last round
};

// Peers that lie (algorithms/attack.h): which, how, and from which round on.
struct ByzantineEntry {
  std::vector<int> peers;
  std::string attack;
  int64_t from_round = 0;
  nlohmann::json options = nlohmann::json::object();  // the attack's own fields
};

struct TrainingConfig {
  std::string task = "mlp";        // mlp | logistic | least_squares | a registered task
  nlohmann::json task_options = nlohmann::json::object();  // task-specific: hidden sizes, data dir, ...
  std::string partition = "iid";   // iid | dirichlet | sorted (label-sorted contiguous shards)
  double alpha = 0.5;              // Dirichlet concentration
  int64_t rounds = 100;
  int local_steps = 1;
  int batch_size = 32;
  LearningRateSchedule learning_rate;
  double momentum = 0;
  bool nesterov = false;
  double weight_decay = 0;
  std::string algorithm = kDefaultAlgorithm;  // an update rule of the registry (algorithms/registry.h)
  std::string compressor = kDefaultCompressor;  // "compressor": "top_k" or {"kind": "top_k", "fraction": 0.01}
  nlohmann::json compressor_options = nlohmann::json::object();  // the compressor's fields but its kind
  double consensus_step = 1.0;    // gamma: how far a round moves towards the mix (choco, compressed DSGD)
  std::string aggregator = kDefaultAggregator;  // "aggregator": "median" or {"kind": "trimmed_mean", "f": 1}
  nlohmann::json aggregator_options = nlohmann::json::object();
  // "byzantine": [{"peers": [3], "attack": "alie", "from_round": 0, "z": 1.0}, ...]
  std::vector<ByzantineEntry> byzantine;
  uint64_t seed = 0;              // defaults to the topology file's seed
  int64_t eval_every = 10;        // rounds between test-set evaluations (and at the end)
  int64_t checkpoint_every = 0;   // 0: no checkpoints
  int64_t snapshot_every = 0;     // rounds between saved copies of the model, for the average-model curve (0: none)
  double round_timeout_seconds = 30;  // the longest a round waits for a neighbour
  // "adaptive": a round waits as long as its neighbours' arrivals say (round_deadline.h), at
  // least round_deadline_floor_seconds and at most round_timeout_seconds; "fixed": always the timeout.
  std::string round_deadline = "adaptive";
  double round_deadline_floor_seconds = 1.0;
  int late_rounds = 4;  // how many rounds late a neighbour's message may come and still be mixed (0: never)
  double startup_timeout_seconds = 60;  // how long a peer waits for its first links
  bool train_alone = false;             // a peer none of whose neighbours linked trains alone, instead of failing
  int sketch_size = 64;           // rows of the random sketch S x_i in the metrics
  int threads = 1;                // compute threads per peer
  // Peers of one host on different GPUs exchange over NCCL (transport/device_channels.h);
  // false keeps every link on encrypted TCP.
  bool nccl = true;
};

// Reads `training` (the section's JSON object), falling back to `file_seed` for the seed.
// Throws ConfigError naming the field (training.rounds, ...) on a wrong type, range or an
// unknown field.
TrainingConfig parse_training_config(const nlohmann::json& training, uint64_t file_seed);

// The entry that makes `peer` Byzantine, or null.
const ByzantineEntry* byzantine_entry(const TrainingConfig& config, int peer);
// Every Byzantine peer, ascending.
std::vector<int> byzantine_peers(const TrainingConfig& config);

// The learning rate of round r (0-based) of a run of `rounds` rounds.
double learning_rate_at(const LearningRateSchedule& schedule, int64_t round, int64_t rounds);

// Lays `overrides` (from the command line, same names as the file) over `training`:
// objects (task_options, schedule) merge one level deep, but a compressor replaces the
// file's whole (another kind has other options); a null value is ignored.
nlohmann::json merge_training(nlohmann::json training, const nlohmann::json& overrides);

// The fully resolved settings, every default written out.
nlohmann::json to_json(const TrainingConfig& config);

}  // namespace gossip
