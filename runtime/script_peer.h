// A peer whose model and local steps belong to a training script (the Python binding's
// gossip.Peer): the script trains its own model and hands the runtime its parameters as one
// flat float buffer every round; the runtime gossips it with the configured rule, compressor
// and aggregator over the same authenticated, encrypted TCP as `gossip peer`, and writes the
// same run directory (config, metrics with sketches, final model), so `gossip report` and
// `gossip launch` treat a script's peer like any other.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "algorithms/algorithm.h"
#include "runtime/peer_log.h"
#include "runtime/peer_process.h"
#include "transport/transport.h"

namespace gossip {

struct ScriptEvaluation {
  std::optional<double> test_loss, test_accuracy;
};

// What the script hands a round: what its steps since the last round did (for the metrics
// line), and what the rule may ask of it.
struct ScriptRoundInput {
  std::optional<double> loss;            // mean training loss of the steps
  std::optional<double> train_accuracy;  // for classifiers
  // One local step of the script's optimizer on the model, for each of the local_steps the
  // rule takes in the round. Empty: none (the script took its steps before the round).
  std::function<void(std::span<float> model)> step;
  // The gradient of the local objective at `at`, for rules that move by their own rule
  // (gradient tracking). Empty: such a rule refuses the round, naming what is missing.
  std::function<void(std::span<const float> at, std::span<float> out)> gradient;
  // Test-set numbers at the evaluation interval and the last round. Empty: sketch only.
  std::function<ScriptEvaluation()> evaluate;
};

// What one round did, for the script.
struct ScriptRoundReport {
  int64_t round = 0;
  std::vector<int> missing;  // in-neighbours left out of the round's mix
  uint64_t bytes_sent = 0, bytes_received = 0;
  double wait_seconds = 0, communicate_seconds = 0;
  bool evaluated = false;  // the line got the evaluation and the sketch
};

class ScriptPeer {
 public:
  // Everything `gossip peer` checks before it starts (prepare_peer): throws ConfigError.
  explicit ScriptPeer(const PeerOptions& options);
  ~ScriptPeer();

  int id() const;
  int peers() const;
  const TrainingConfig& config() const;
  int64_t next_round() const;  // the round the next call to round() runs
  bool done() const;           // every round of the settings has run
  double learning_rate() const;  // the settings' schedule at next_round()

  // The first model of the settings' built-in task (the same on every peer): for a script that
  // trains the task's model in its layout beside C++ peers, which start from it.
  std::vector<float> task_initial_parameters() const;

  // Builds the rule for a model of this size, restores `state` (from state(), resuming the
  // run where it was taken) or starts the rule from `model` (every peer's first model must be
  // the same), then links to the neighbours within startup_timeout_seconds. Throws
  // ConfigError for a state of another peer, other settings or another model size.
  void start(std::span<const float> model, const std::optional<std::string>& state);

  // One gossip round over `model`, in place: the rule's phases with the input's callbacks for
  // the steps it asks for (its own direction steps use the settings' momentum, as `gossip
  // peer` does), then the metrics line. Throws std::logic_error before start(), after the
  // last round, and after a round that an exception cut short (the rule's state is then
  // that of half a round: resume from the last state()).
  ScriptRoundReport round(std::span<float> model, const ScriptRoundInput& input);

  // The runtime's state after the last round (the rule's, the next round), to keep beside the
  // script's own checkpoint.
  std::string state() const;

  // After the last round: writes the final model and says goodbye to the neighbours.
  void finish(std::span<const float> model);

  void log(const std::string& line) const;

 private:
  struct Running;
  PeerOptions options_;
  PreparedPeer prepared_;
  Clock::time_point started_ = Clock::now();
  PeerLog log_;
  std::unique_ptr<Running> running_;
};

}  // namespace gossip
