#include "runtime/byzantine.h"

#include "algorithms/registry.h"
#include "common/config_error.h"

namespace gossip {

std::unique_ptr<Attacker> make_attacker(const TrainingConfig& config, int peer, int peers) {
  for (size_t i = 0; i < config.byzantine.size(); ++i) {
    for (int listed : config.byzantine[i].peers) {
      if (listed >= peers) {
        throw ConfigError("training.byzantine[" + std::to_string(i) + "].peers: peer " + std::to_string(listed) +
                          " is not in the topology (ids 0.." + std::to_string(peers - 1) + ")");
      }
    }
  }
  const ByzantineEntry* entry = byzantine_entry(config, peer);
  if (!entry) return nullptr;
  const std::string field = "training.byzantine[" + std::to_string(entry - config.byzantine.data()) + "]";
  return std::make_unique<Attacker>(make_attack(entry->attack, entry->options, field), entry->from_round, entry->attack,
                                    peer, config.seed);
}

TrainingConfig task_config(const TrainingConfig& config, const Attacker* attacker) {
  TrainingConfig merged = config;
  if (!attacker) return merged;
  const nlohmann::json options = attacker->attack().task_options();
  if (!options.is_null()) {
    for (const auto& [key, value] : options.items()) merged.task_options[key] = value;
  }
  return merged;
}

}  // namespace gossip
