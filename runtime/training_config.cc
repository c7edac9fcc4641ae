#include "runtime/training_config.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

#include "algorithms/registry.h"
#include "common/json_reader.h"

namespace gossip {
namespace {

constexpr int64_t kMaxRounds = int64_t{1} << 40;

const char* schedule_name(ScheduleKind kind) {
  switch (kind) {
    case ScheduleKind::kStep: return "step";
    case ScheduleKind::kCosine: return "cosine";
    case ScheduleKind::kConstant: break;
  }
  return "constant";
}

ScheduleKind schedule_kind(const JsonReader& reader, std::string_view key, const std::string& name) {
  if (name == "constant") return ScheduleKind::kConstant;
  if (name == "step") return ScheduleKind::kStep;
  if (name == "cosine") return ScheduleKind::kCosine;
  reader.fail(key, "unknown schedule \"" + name + "\" (known: constant, step, cosine)");
}

// "schedule": "cosine" or {"kind": "step", "warmup_rounds": 5, "step_every": 50, ...}
void read_schedule(const JsonReader& training, LearningRateSchedule& schedule) {
  if (!training.has("schedule")) return;
  const auto& value = training.member("schedule");
  if (value.is_string()) {
    schedule.kind = schedule_kind(training, "schedule", value.get<std::string>());
    if (schedule.kind == ScheduleKind::kStep) {
      training.fail("schedule", "a step schedule needs its decay interval: {\"kind\": \"step\", \"step_every\": N}");
    }
    return;
  }
  JsonReader reader(value, training.field("schedule"));
  reader.reject_unknown({"kind", "warmup_rounds", "step_every", "step_gamma", "final_fraction"});
  schedule.kind = schedule_kind(reader, "kind", reader.string_or("kind", "constant"));
  schedule.warmup_rounds = reader.integer_or("warmup_rounds", 0, 0, kMaxRounds);
  schedule.step_every = reader.integer_or("step_every", 0, 0, kMaxRounds);
  schedule.step_gamma = reader.number_or("step_gamma", 0.1, 0, 1);
  schedule.final_fraction = reader.number_or("final_fraction", 0, 0, 1);
  if (schedule.kind == ScheduleKind::kStep && schedule.step_every == 0) {
    reader.fail("step_every", "a step schedule needs step_every >= 1 (rounds between decays)");
  }
}

std::string one_of(const JsonReader& reader, std::string_view key, std::string fallback,
                   const std::vector<std::string>& allowed) {
  std::string value = reader.string_or(key, std::move(fallback));
  std::string listed;
  for (const auto& name : allowed) {
    if (value == name) return value;
    listed += (listed.empty() ? "" : ", ") + name;
  }
  reader.fail(key, "unknown value \"" + value + "\" (known: " + listed + ")");
}

// "compressor": "top_k" or {"kind": "top_k", "fraction": 0.01}, and "aggregator" the same
// way: a name, or an object of the kind and its options, which the part checks (naming
// training.compressor.FIELD) when it is made here.
template <typename Make>
void read_part(const JsonReader& training, std::string_view key, std::string& kind, nlohmann::json& options,
               Make make) {
  if (!training.has(key)) return;
  const auto& value = training.member(key);
  if (value.is_string()) {
    kind = value.get<std::string>();
  } else {
    JsonReader reader(value, training.field(key));
    kind = reader.string("kind");
    options = value;
    options.erase("kind");
  }
  make(kind, options);
}

// "byzantine": an array of {"peers": [...], "attack": NAME, "from_round": R, options...};
// each attack checks its options here, and no peer may be in two entries.
std::vector<ByzantineEntry> read_byzantine(const JsonReader& training) {
  std::vector<ByzantineEntry> entries;
  if (!training.has("byzantine")) return entries;
  const auto& list = training.array("byzantine");
  std::map<int, std::string> claimed;  // peer -> the entry that has it
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string field = training.field("byzantine") + "[" + std::to_string(i) + "]";
    JsonReader entry(list[i], field);
    ByzantineEntry byzantine;
    const auto& peers = entry.array("peers");
    if (peers.empty()) entry.fail("peers", "names no peer");
    for (size_t k = 0; k < peers.size(); ++k) {
      if (!peers[k].is_number_integer() || peers[k].get<int64_t>() < 0 || peers[k].get<int64_t>() > (1 << 30)) {
        entry.fail("peers", "expected peer ids (integers from 0), got " + brief(peers[k]));
      }
      const int peer = peers[k].get<int>();
      if (auto other = claimed.find(peer); other != claimed.end()) {
        entry.fail("peers", "peer " + std::to_string(peer) + " is Byzantine in " + other->second + " already");
      }
      claimed[peer] = field;
      byzantine.peers.push_back(peer);
    }
    byzantine.attack = entry.string("attack");
    byzantine.from_round = entry.integer_or("from_round", 0, 0, kMaxRounds);
    byzantine.options = list[i];
    for (const char* key : {"peers", "attack", "from_round"}) byzantine.options.erase(key);
    const auto attack = make_attack(byzantine.attack, byzantine.options, field);
    if (!attack->task_options().is_null() && byzantine.from_round != 0) {
      entry.fail("from_round", byzantine.attack + " poisons the peer's data, which it holds from the start: from_round must be 0");
    }
    entries.push_back(std::move(byzantine));
  }
  return entries;
}

nlohmann::json byzantine_json(const std::vector<ByzantineEntry>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& entry : entries) {
    nlohmann::json item = entry.options;
    item["peers"] = entry.peers;
    item["attack"] = entry.attack;
    item["from_round"] = entry.from_round;
    list.push_back(item);
  }
  return list;
}

nlohmann::json part_json(const std::string& kind, const nlohmann::json& options) {
  nlohmann::json part = options;
  part["kind"] = kind;
  return part;
}

}  // namespace

TrainingConfig parse_training_config(const nlohmann::json& training, uint64_t file_seed) {
  JsonReader reader(training, "training");
  reader.reject_unknown({"task", "task_options", "partition", "alpha", "rounds", "local_steps", "batch_size",
                         "learning_rate", "schedule", "momentum", "nesterov", "weight_decay", "algorithm", "compressor",
                         "consensus_step", "aggregator", "byzantine", "seed",
                         "eval_every", "checkpoint_every", "snapshot_every", "round_timeout_seconds",
                         "round_deadline", "round_deadline_floor_seconds", "late_rounds", "startup_timeout_seconds",
                         "train_alone", "sketch_size", "threads", "nccl"});
  TrainingConfig config;
  config.task = reader.string_or("task", config.task);
  if (reader.has("task_options")) {
    config.task_options = reader.member("task_options");
    JsonReader(config.task_options, reader.field("task_options"));  // must be an object
  }
  config.partition = one_of(reader, "partition", config.partition, {"iid", "dirichlet", "sorted"});
  config.alpha = reader.number_or("alpha", config.alpha, 1e-6, 1e6);
  config.rounds = reader.integer_or("rounds", config.rounds, 0, kMaxRounds);
  config.local_steps = static_cast<int>(reader.integer_or("local_steps", config.local_steps, 1, 1 << 20));
  config.batch_size = static_cast<int>(reader.integer_or("batch_size", config.batch_size, 1, 1 << 20));
  config.learning_rate.base = reader.number_or("learning_rate", config.learning_rate.base, 0, 1e6);
  read_schedule(reader, config.learning_rate);
  config.momentum = reader.number_or("momentum", config.momentum, 0, 0.999999);
  config.nesterov = reader.boolean_or("nesterov", config.nesterov);
  if (config.nesterov && config.momentum == 0) reader.fail("nesterov", "Nesterov momentum needs momentum > 0");
  config.weight_decay = reader.number_or("weight_decay", config.weight_decay, 0, 1e3);
  config.algorithm = one_of(reader, "algorithm", config.algorithm, algorithm_names());
  read_part(reader, "compressor", config.compressor, config.compressor_options,
            [](const std::string& name, const nlohmann::json& options) { return make_compressor(name, options); });
  read_part(reader, "aggregator", config.aggregator, config.aggregator_options,
            [](const std::string& name, const nlohmann::json& options) { return make_aggregator(name, options); });
  config.byzantine = read_byzantine(reader);
  config.consensus_step = reader.number_or("consensus_step", config.consensus_step, 0, 1);
  if (config.consensus_step <= 0) reader.fail("consensus_step", "must be above 0 (and at most 1)");
  config.seed = reader.unsigned_integer_or("seed", file_seed);
  config.eval_every = reader.integer_or("eval_every", config.eval_every, 0, kMaxRounds);
  config.checkpoint_every = reader.integer_or("checkpoint_every", config.checkpoint_every, 0, kMaxRounds);
  config.snapshot_every = reader.integer_or("snapshot_every", config.snapshot_every, 0, kMaxRounds);
  config.round_timeout_seconds = reader.number_or("round_timeout_seconds", config.round_timeout_seconds, 0.001, 86400);
  config.round_deadline = one_of(reader, "round_deadline", config.round_deadline, {"adaptive", "fixed"});
  config.round_deadline_floor_seconds =
      reader.number_or("round_deadline_floor_seconds", config.round_deadline_floor_seconds, 0, 86400);
  config.late_rounds = static_cast<int>(reader.integer_or("late_rounds", config.late_rounds, 0, 64));
  config.startup_timeout_seconds =
      reader.number_or("startup_timeout_seconds", config.startup_timeout_seconds, 0.001, 86400);
  config.train_alone = reader.boolean_or("train_alone", config.train_alone);
  config.sketch_size = static_cast<int>(reader.integer_or("sketch_size", config.sketch_size, 0, 4096));
  config.threads = static_cast<int>(reader.integer_or("threads", config.threads, 1, 1024));
  config.nccl = reader.boolean_or("nccl", config.nccl);
  return config;
}

const ByzantineEntry* byzantine_entry(const TrainingConfig& config, int peer) {
  for (const auto& entry : config.byzantine) {
    if (std::find(entry.peers.begin(), entry.peers.end(), peer) != entry.peers.end()) return &entry;
  }
  return nullptr;
}

std::vector<int> byzantine_peers(const TrainingConfig& config) {
  std::vector<int> peers;
  for (const auto& entry : config.byzantine) peers.insert(peers.end(), entry.peers.begin(), entry.peers.end());
  std::sort(peers.begin(), peers.end());
  return peers;
}

double learning_rate_at(const LearningRateSchedule& schedule, int64_t round, int64_t rounds) {
  double rate = schedule.base;
  switch (schedule.kind) {
    case ScheduleKind::kConstant: break;
    case ScheduleKind::kStep:
      rate *= std::pow(schedule.step_gamma, static_cast<double>(round / schedule.step_every));
      break;
    case ScheduleKind::kCosine: {
      // Cosine over the rounds after the warm-up, from base down to base * final_fraction.
      const double span = static_cast<double>(std::max<int64_t>(1, rounds - schedule.warmup_rounds));
      const double progress = std::clamp(static_cast<double>(round - schedule.warmup_rounds) / span, 0.0, 1.0);
      const double floor = schedule.final_fraction;
      rate *= floor + (1 - floor) * 0.5 * (1 + std::cos(std::numbers::pi * progress));
      break;
    }
  }
  if (round < schedule.warmup_rounds) {
    rate *= static_cast<double>(round + 1) / static_cast<double>(schedule.warmup_rounds);
  }
  return rate;
}

nlohmann::json merge_training(nlohmann::json training, const nlohmann::json& overrides) {
  for (const auto& [key, value] : overrides.items()) {
    if (value.is_null()) continue;
    if (!value.is_object() || !training.contains(key) || key == "compressor" || key == "aggregator") {
      training[key] = value;
      continue;
    }
    // Objects (task_options, schedule) merge one level deep, so --warmup-rounds keeps the
    // file's schedule kind; "schedule": "cosine" reads as {"kind": "cosine"}.
    nlohmann::json& target = training[key];
    if (target.is_string() && key == "schedule") target = nlohmann::json{{"kind", target}};
    if (!target.is_object()) target = nlohmann::json::object();
    for (const auto& [option, setting] : value.items()) target[option] = setting;
  }
  return training;
}

nlohmann::json to_json(const TrainingConfig& config) {
  const auto& schedule = config.learning_rate;
  return nlohmann::json{
      {"task", config.task},
      {"task_options", config.task_options},
      {"partition", config.partition},
      {"alpha", config.alpha},
      {"rounds", config.rounds},
      {"local_steps", config.local_steps},
      {"batch_size", config.batch_size},
      {"learning_rate", schedule.base},
      {"schedule",
       {{"kind", schedule_name(schedule.kind)},
        {"warmup_rounds", schedule.warmup_rounds},
        {"step_every", schedule.step_every},
        {"step_gamma", schedule.step_gamma},
        {"final_fraction", schedule.final_fraction}}},
      {"momentum", config.momentum},
      {"nesterov", config.nesterov},
      {"weight_decay", config.weight_decay},
      {"algorithm", config.algorithm},
      {"compressor", part_json(config.compressor, config.compressor_options)},
      {"aggregator", part_json(config.aggregator, config.aggregator_options)},
      {"byzantine", byzantine_json(config.byzantine)},
      {"consensus_step", config.consensus_step},
      {"seed", config.seed},
      {"eval_every", config.eval_every},
      {"checkpoint_every", config.checkpoint_every},
      {"snapshot_every", config.snapshot_every},
      {"round_timeout_seconds", config.round_timeout_seconds},
      {"round_deadline", config.round_deadline},
      {"round_deadline_floor_seconds", config.round_deadline_floor_seconds},
      {"late_rounds", config.late_rounds},
      {"startup_timeout_seconds", config.startup_timeout_seconds},
      {"train_alone", config.train_alone},
      {"sketch_size", config.sketch_size},
      {"threads", config.threads},
      {"nccl", config.nccl},
  };
}

}  // namespace gossip
