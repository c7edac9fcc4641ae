// A peer's part in the `byzantine` setting: the attack it runs, if any, and what that
// changes about its training (a data attack's task options). Honest peers get nothing.
#pragma once

#include <memory>

#include "algorithms/attack.h"
#include "runtime/training_config.h"

namespace gossip {

// Null for an honest peer. Throws ConfigError naming the entry when it lists a peer the
// topology does not have.
std::unique_ptr<Attacker> make_attacker(const TrainingConfig& config, int peer, int peers);

// The settings this peer's task is made from: the run's, with a data attack's task options
// laid over them.
TrainingConfig task_config(const TrainingConfig& config, const Attacker* attacker);

}  // namespace gossip
