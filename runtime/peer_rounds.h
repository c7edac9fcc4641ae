// The gossip part of a peer, whoever owns its model and its local steps: the update rule
// built from the settings, the neighbourhood of every W(r), the round deadline, and who has
// been heard from. The peer loop (peer.h) drives it with the task's steps; the Python
// binding (runtime/python/) with a training script's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "algorithms/algorithm.h"
#include "algorithms/attack.h"
#include "runtime/checkpoint.h"
#include "runtime/round_deadline.h"
#include "runtime/round_line.h"
#include "runtime/training_config.h"
#include "topology/topology.h"
#include "transport/transport.h"

namespace gossip {

// The checksum of the resolved settings that checkpoints carry: a checkpoint is resumed only
// under the settings it was written with.
uint32_t settings_digest(const TrainingConfig& config);

class PeerRounds {
 public:
  // Throws ConfigError when the rule refuses the settings or this peer's W. `device` is
  // the peer's ("cpu", "cuda:N"): aggregators with a twin there run there.
  PeerRounds(const Topology& topology, int self, const TrainingConfig& config, std::size_t parameters, bool byzantine,
             const std::string& device = "cpu");

  Algorithm& algorithm() { return *algorithm_; }
  const Algorithm& algorithm() const { return *algorithm_; }
  // The message kinds it exchanges (the rule's channels and the goodbye): a transport
  // should drop any other.
  std::vector<uint8_t> message_kinds() const;
  const Neighbourhood& neighbourhood(int64_t round) const { return neighbourhoods_[round % neighbourhoods_.size()]; }

  // One round of the rule over `model` (begin_round, the exchanges, end_round), waiting no
  // longer than the deadline; fills the exchange's part of `totals`.
  void run(Transport& transport, int64_t round, double learning_rate, std::span<float> model, LocalTraining& local,
           Attacker* attacker, RoundTotals& totals);

  // The next round to run after `round`. A peer that restarted from a checkpoint finds its
  // neighbours rounds ahead: when every linked in-neighbour is past this round, it rejoins
  // them at the earliest of their rounds (a single lying neighbour cannot make it skip).
  int64_t next_round(Transport& transport, int64_t round, int64_t rounds, const RoundTotals& totals,
                     const std::function<void(const std::string&)>& log) const;

  // The rule's checkpoint sections, under "algorithm.<name>"; restore throws
  // std::invalid_argument naming a section whose size is wrong.
  std::vector<std::string> state_names() const;
  void save_state(Checkpoint& checkpoint) const;
  void restore_state(const Checkpoint& checkpoint);

  // Neighbours whose messages arrived in some round: the others never linked.
  const std::set<int>& heard() const { return heard_; }

 private:
  std::unique_ptr<Algorithm> algorithm_;
  RoundDeadline deadline_;
  std::vector<Neighbourhood> neighbourhoods_;  // by round % period
  std::set<int> heard_;
};

// Waits for the links (startup_timeout_seconds), saying after 2 s and then every 10 s which
// neighbours it still waits for; false when `stop` stopped it meanwhile. A peer none of
// whose neighbours came trains nothing worth having: that throws std::runtime_error unless
// the settings allow training alone.
bool wait_for_neighbours(Transport& transport, const std::vector<int>& neighbours, const TrainingConfig& config,
                         const std::function<bool()>& stop, const std::function<void(const std::string&)>& log);

// After the last round: tell the neighbours, and wait (bounded) for theirs, so nobody
// closes its links while a neighbour still waits for its last model.
void say_goodbye(Transport& transport, const std::vector<int>& neighbours, const TrainingConfig& config,
                 const std::set<int>& heard, const std::function<void(const std::string&)>& log);

}  // namespace gossip
