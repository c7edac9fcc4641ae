#include "runtime/script_peer.h"

#include <cmath>
#include <stdexcept>

#include "algorithms/local_sgd.h"
#include "common/config_error.h"
#include "runtime/byzantine.h"
#include "runtime/checkpoint.h"
#include "runtime/metrics_log.h"
#include "runtime/peer_log.h"
#include "runtime/peer_network.h"
#include "runtime/peer_rounds.h"
#include "runtime/round_line.h"
#include "runtime/run_directory.h"
#include "runtime/task.h"

namespace gossip {

namespace {

// The rule's requests for local training, answered by the script's callbacks.
class ScriptTraining final : public LocalTraining {
 public:
  ScriptTraining(const ScriptRoundInput& input, LocalSgd& optimizer, double learning_rate, const std::string& algorithm)
      : input_(input), optimizer_(optimizer), learning_rate_(learning_rate), algorithm_(algorithm) {}
  void step(std::span<float> model) override {
    if (input_.step) input_.step(model);
  }
  void gradient(std::span<const float> at, std::span<float> out) override {
    if (!input_.gradient) {
      throw ConfigError("training.algorithm " + algorithm_ +
                        " asks for gradients at points of its own: give the round a gradient callback");
    }
    input_.gradient(at, out);
  }
  void momentum_step(std::span<float> model, std::span<const float> direction) override {
    optimizer_.momentum_step(model, direction, learning_rate_);
  }

 private:
  const ScriptRoundInput& input_;
  LocalSgd& optimizer_;
  double learning_rate_;
  const std::string& algorithm_;
};

constexpr const char* kOptimizerSection = "optimizer";

}  // namespace

struct ScriptPeer::Running {
  Running(const ScriptPeer& peer, std::size_t parameters, int64_t first_round)
      : attacker(make_attacker(peer.config(), peer.id(), peer.peers())),
        rounds(peer.prepared_.loaded.topology, peer.id(), peer.config(), parameters, attacker != nullptr),
        optimizer(parameters, peer.config().momentum, peer.config().nesterov, peer.config().weight_decay),
        next_round(first_round),
        parameters(parameters) {}

  std::unique_ptr<Attacker> attacker;  // null for an honest peer
  PeerRounds rounds;
  LocalSgd optimizer;  // for the rule's own direction steps (momentum_step)
  int64_t next_round;
  bool broken = false;  // an exception cut a round short
  std::unique_ptr<TcpTransport> transport;
  std::unique_ptr<MetricsLog> metrics;
  TransportStats before;
  Clock::time_point last_round_end;  // the script's steps run between rounds
  std::size_t parameters;
};

ScriptPeer::ScriptPeer(const PeerOptions& options)
    : options_(options),
      prepared_(prepare_peer(options)),
      log_(options.id, options.log, default_log_copy(options.run_dir, options.id)) {}

ScriptPeer::~ScriptPeer() = default;

int ScriptPeer::id() const { return options_.id; }
int ScriptPeer::peers() const { return prepared_.loaded.topology.size(); }
const TrainingConfig& ScriptPeer::config() const { return prepared_.config; }
int64_t ScriptPeer::next_round() const { return running_ ? running_->next_round : 0; }
bool ScriptPeer::done() const { return next_round() >= config().rounds; }
double ScriptPeer::learning_rate() const { return learning_rate_at(config().learning_rate, next_round(), config().rounds); }

std::vector<float> ScriptPeer::task_initial_parameters() const {
  const std::unique_ptr<Task> task = make_task({id(), peers(), config()});
  std::vector<float> parameters(task->parameter_count());
  task->initial_parameters(parameters);
  return parameters;
}

void ScriptPeer::log(const std::string& line) const { log_(line); }

void ScriptPeer::start(std::span<const float> model, const std::optional<std::string>& state) {
  if (running_) throw std::logic_error("gossip peer " + std::to_string(id()) + ": start() was called already");
  const std::string source = "state of peer " + std::to_string(id());
  std::optional<Checkpoint> checkpoint;
  if (state) {
    checkpoint = decode_checkpoint(*state, source);
    check_owner(*checkpoint, id(), settings_digest(config()), source);
  }
  running_ = std::make_unique<Running>(*this, model.size(), checkpoint ? checkpoint->next_round : 0);
  Running& run = *running_;
  if (checkpoint) {
    std::vector<std::string> names = run.rounds.state_names();
    names.push_back(kOptimizerSection);
    check_sections(*checkpoint, names, source);
    try {
      run.rounds.restore_state(*checkpoint);
      std::vector<float> momentum(float_count(*checkpoint->find(kOptimizerSection)));
      read_floats(*checkpoint->find(kOptimizerSection), momentum);
      run.optimizer.restore(momentum);
    } catch (const std::invalid_argument& error) {
      throw ConfigError(source + ": " + error.what() + " (is the model the one it was taken with?)");
    }
    log("resumed at round " + std::to_string(run.next_round));
  } else {
    run.rounds.algorithm().start(model);
  }
  NetworkSettings settings = peer_network_settings(run.rounds.algorithm().max_payload_bytes(), run.rounds.message_kinds(),
                                                   config().late_rounds, run.next_round);
  settings.plaintext = options_.plaintext;
  settings.log = [this](const std::string& line) { log(line); };
  run.transport = std::make_unique<TcpTransport>(tcp_options_for(prepared_.loaded, id(), prepared_.identity, settings));
  run.metrics = std::make_unique<MetricsLog>(metrics_path(options_.run_dir, id()), run.next_round);
  log("script peer: " + std::to_string(model.size()) + " parameters, algorithm " + config().algorithm);
  const std::vector<int> neighbours = prepared_.loaded.topology.linked_peers(id());
  wait_for_neighbours(*run.transport, neighbours, config(), nullptr, [this](const std::string& line) { log(line); });
  run.before = run.transport->stats();
  run.last_round_end = Clock::now();
}

ScriptRoundReport ScriptPeer::round(std::span<float> model, const ScriptRoundInput& input) {
  if (!running_) throw std::logic_error("gossip peer " + std::to_string(id()) + ": call start() before round()");
  Running& run = *running_;
  if (run.broken) {
    throw std::logic_error("gossip peer " + std::to_string(id()) + ": round " + std::to_string(run.next_round) +
                           " was cut short by an exception; start a new peer from the last state()");
  }
  if (done()) {
    throw std::logic_error("gossip peer " + std::to_string(id()) + ": all " + std::to_string(config().rounds) +
                           " rounds have run (training.rounds)");
  }
  if (model.size() != run.parameters) {
    throw std::invalid_argument("gossip peer " + std::to_string(id()) + ": the model has " + std::to_string(model.size()) +
                                " parameters, it started with " + std::to_string(run.parameters));
  }
  const int64_t round = run.next_round;
  const double learning_rate = learning_rate_at(config().learning_rate, round, config().rounds);
  RoundTotals totals;
  totals.compute = Clock::now() - run.last_round_end;
  if (input.loss) {
    totals.loss_sum = *input.loss;
    totals.steps = 1;
  }
  ScriptTraining local(input, run.optimizer, learning_rate, config().algorithm);
  run.broken = true;  // until the round is through
  run.rounds.run(*run.transport, round, learning_rate, model, local, run.attacker.get(), totals);
  run.broken = false;
  const auto log_line = [this](const std::string& line) { log(line); };
  run.next_round = run.rounds.next_round(*run.transport, round, config().rounds, totals, log_line);
  const TransportStats after = run.transport->stats();
  nlohmann::json line = round_line(round, Clock::now() - started_, learning_rate, totals, run.before, after);
  if (!input.loss) line.erase("loss");
  if (input.train_accuracy) line["train_accuracy"] = *input.train_accuracy;
  if (run.attacker && run.attacker->active(round)) line["byzantine"] = run.attacker->name();
  ScriptRoundReport report{round,
                           totals.missing,
                           after.bytes_sent - run.before.bytes_sent,
                           after.bytes_received - run.before.bytes_received,
                           line["wait_seconds"].get<double>(),
                           line["communicate_seconds"].get<double>(),
                           false};
  run.before = after;
  const bool last = done();
  if (last || (config().eval_every > 0 && (round + 1) % config().eval_every == 0)) {
    if (input.evaluate) {
      const ScriptEvaluation evaluation = input.evaluate();
      if (evaluation.test_loss) line["test_loss"] = *evaluation.test_loss;
      if (evaluation.test_accuracy) line["test_accuracy"] = *evaluation.test_accuracy;
    }
    add_sketch(line, run.rounds.algorithm().evaluated_model(model), config().sketch_size, config().seed);
    report.evaluated = true;
  }
  run.metrics->write(line);
  run.last_round_end = Clock::now();
  return report;
}

std::string ScriptPeer::state() const {
  if (!running_) throw std::logic_error("gossip peer " + std::to_string(id()) + ": call start() before state()");
  if (running_->broken) {
    throw std::logic_error("gossip peer " + std::to_string(id()) + ": round " + std::to_string(running_->next_round) +
                           " was cut short by an exception: its state is half a round's");
  }
  Checkpoint checkpoint{id(), running_->next_round, settings_digest(config()), {}};
  running_->rounds.save_state(checkpoint);
  checkpoint.sections.push_back(float_section(kOptimizerSection, running_->optimizer.state()));
  return encode_checkpoint(checkpoint);
}

void ScriptPeer::finish(std::span<const float> model) {
  if (!running_) throw std::logic_error("gossip peer " + std::to_string(id()) + ": call start() before finish()");
  Running& run = *running_;
  Checkpoint last{id(), run.next_round, settings_digest(config()),
                  {float_section("model", run.rounds.algorithm().evaluated_model(model))}};
  write_checkpoint(last, final_model_path(options_.run_dir, id()));
  const std::vector<int> neighbours = prepared_.loaded.topology.linked_peers(id());
  say_goodbye(*run.transport, neighbours, config(), run.rounds.heard(), [this](const std::string& line) { log(line); });
  log("done: " + std::to_string(run.next_round) + " rounds");
}

}  // namespace gossip
