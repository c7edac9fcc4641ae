#include "tools/training_flags.h"

#include "algorithms/registry.h"
#include "common/config_error.h"
#include "common/json_parse.h"

namespace gossip::tools {
namespace {

constexpr const char* kGroup = "Training (override the file's training section)";

// Registers --flag that writes `key` (a path of one or two names) into the JSON when given.
template <typename T>
void add(CLI::App& app, nlohmann::json& values, const std::string& flag, std::vector<std::string> key,
         const std::string& help) {
  app.add_option_function<T>(
         flag, [&values, key](const T& value) {
           if (key.size() == 1) {
             values[key[0]] = value;
           } else {
             values[key[0]][key[1]] = value;
           }
         },
         help)
      ->group(kGroup);
}

}  // namespace

TrainingFlags::TrainingFlags(CLI::App& app) {
  add<std::string>(app, values_, "--task", {"task"}, "mlp, logistic, least_squares");
  add<std::vector<int>>(app, values_, "--hidden", {"task_options", "hidden"}, "MLP hidden widths, e.g. 256,128");
  app.get_option("--hidden")->delimiter(',');
  add<std::string>(app, values_, "--partition", {"partition"}, "iid, dirichlet or sorted (label-sorted shards)");
  add<double>(app, values_, "--alpha", {"alpha"}, "Dirichlet concentration (smaller: more skewed labels)");
  add<int64_t>(app, values_, "--rounds", {"rounds"}, "Gossip rounds");
  add<int>(app, values_, "--local-steps", {"local_steps"}, "SGD steps per round (K)");
  add<int>(app, values_, "--batch-size", {"batch_size"}, "Minibatch size");
  add<double>(app, values_, "--lr", {"learning_rate"}, "Base learning rate");
  add<std::string>(app, values_, "--schedule", {"schedule", "kind"}, "constant, step or cosine");
  add<int64_t>(app, values_, "--warmup-rounds", {"schedule", "warmup_rounds"}, "Linear warm-up length");
  add<double>(app, values_, "--momentum", {"momentum"}, "Local momentum (0: none)");
  add<bool>(app, values_, "--nesterov", {"nesterov"}, "Nesterov momentum (true/false)");
  add<double>(app, values_, "--weight-decay", {"weight_decay"}, "L2 weight decay");
  std::string rules;
  for (const auto& name : algorithm_names()) rules += (rules.empty() ? "" : ", ") + name;
  add<std::string>(app, values_, "--algorithm", {"algorithm"}, "Update rule: " + rules);
  // A name, or the whole setting as JSON: {"kind": "top_k", "fraction": 0.01}
  auto part = [this, &app](const std::string& flag, const std::string& key, const std::vector<std::string>& names,
                           const std::string& example) {
    std::string listed;
    for (const auto& name : names) listed += (listed.empty() ? "" : ", ") + name;
    app.add_option_function<std::string>(
           flag,
           [this, key](const std::string& value) {
             const std::optional<nlohmann::json> parsed = try_parse_json(value);
             values_[key] = parsed && parsed->is_object() ? *parsed : nlohmann::json(value);
           },
           listed + "; or JSON, e.g. '" + example + "'")
        ->group(kGroup);
  };
  part("--compressor", "compressor", compressor_names(), "{\"kind\": \"top_k\", \"fraction\": 0.01}");
  part("--aggregator", "aggregator", aggregator_names(), "{\"kind\": \"trimmed_mean\", \"f\": 1}");
  add<double>(app, values_, "--consensus-step", {"consensus_step"}, "Consensus step gamma in (0, 1] (choco)");
  add<uint64_t>(app, values_, "--seed", {"seed"}, "Seed of data split, initial model and batches");
  add<int64_t>(app, values_, "--eval-every", {"eval_every"}, "Rounds between test evaluations");
  add<int64_t>(app, values_, "--checkpoint-every", {"checkpoint_every"}, "Rounds between checkpoints (0: none)");
  add<double>(app, values_, "--round-timeout", {"round_timeout_seconds"}, "Seconds a round waits for a neighbour");
  add<int>(app, values_, "--threads", {"threads"}, "Compute threads per peer");
  app.add_option("--set", settings_, "Any training field as key=JSON, e.g. --set 'schedule={\"kind\":\"step\",\"step_every\":50}'")
      ->group(kGroup);
}

nlohmann::json TrainingFlags::overrides() const {
  nlohmann::json out = values_;
  for (const auto& setting : settings_) {
    auto equals = setting.find('=');
    if (equals == std::string::npos || equals == 0) throw ConfigError("--set " + setting + ": expected key=JSON");
    const std::string text = setting.substr(equals + 1);
    if (json_depth(text) > kMaxJsonDepth) throw ConfigError("--set " + setting.substr(0, equals) + ": JSON nested too deeply");
    out[setting.substr(0, equals)] = try_parse_json(text).value_or(nlohmann::json(text));  // a bare word is a string
  }
  return out;
}

}  // namespace gossip::tools
