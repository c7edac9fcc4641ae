#include "runtime/peer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "common/config_error.h"
#include "kernels/float_buffer.h"
#include "runtime/byzantine.h"
#include "runtime/checkpoint.h"
#include "runtime/metrics_log.h"
#include "runtime/peer_log.h"
#include "runtime/peer_rounds.h"
#include "runtime/round_line.h"
#include "runtime/run_directory.h"
#include "runtime/task.h"
#include "runtime/trainer.h"

namespace gossip {

struct Peer::State {
  explicit State(PeerSetup setup_in)
      : setup(std::move(setup_in)),
        digest(settings_digest(setup.config)),
        attacker(make_attacker(setup.config, setup.id, setup.topology.size())),
        task_settings(task_config(setup.config, attacker.get())),
        task(make_task({setup.id, setup.topology.size(), task_settings, setup.device})),
        trainer(make_trainer(*task, setup.config, setup.device)),
        model(task->parameter_count()),
        optimum(task->optimum()),
        rounds(setup.topology, setup.id, setup.config, model.size(), attacker != nullptr, setup.device),
        log(setup.id, setup.log, setup.log_copy) {
    if (attacker && attacker->attack().needs_plain_payloads() && !rounds.algorithm().plain_payloads()) {
      throw ConfigError("training.byzantine: the " + attacker->name() + " attack lies with float vectors, and the " +
                        config.algorithm + " rule's messages (with compressor " + config.compressor +
                        ") are not plain vectors; attack a rule that sends its model as it is");
    }
  }

  PeerSetup setup;
  const TrainingConfig& config = setup.config;
  uint32_t digest;
  std::unique_ptr<Attacker> attacker;  // null for an honest peer
  TrainingConfig task_settings;        // the run's, with a data attack's task options
  std::unique_ptr<Task> task;
  std::unique_ptr<Trainer> trainer;  // the task's gradients and the optimizer, on the peer's device
  FloatBuffer model;
  std::optional<std::vector<float>> optimum;
  PeerRounds rounds;
  int64_t start_round = 0;
  Clock::time_point started = Clock::now();
  PeerLog log;  // last: its copy file is opened once everything else could be built
};

namespace {

// The peer's own steps on its own data, through its trainer, timed and counted.
class TaskSteps final : public LocalTraining {
 public:
  TaskSteps(Peer::State& peer, double learning_rate, RoundTotals& totals)
      : trainer_(*peer.trainer), learning_rate_(learning_rate), totals_(totals) {}
  void step(std::span<float> model) override { steps(model, 1); }
  void steps(std::span<float> model, int count) override {
    const auto begin = Clock::now();
    for (const BatchLoss& batch : trainer_.steps(model, learning_rate_, count)) record(batch);
    totals_.compute += Clock::now() - begin;
  }
  void gradient(std::span<const float> at, std::span<float> out) override {
    const auto begin = Clock::now();
    record(trainer_.gradient(at, out));
    totals_.compute += Clock::now() - begin;
  }
  void momentum_step(std::span<float> model, std::span<const float> direction) override {
    const auto begin = Clock::now();
    trainer_.momentum_step(model, direction, learning_rate_);
    totals_.compute += Clock::now() - begin;
  }

 private:
  void record(const BatchLoss& batch) {
    totals_.loss_sum += batch.loss;
    ++totals_.steps;
    totals_.correct += batch.correct;
    totals_.count += batch.count;
  }

  Trainer& trainer_;
  double learning_rate_;
  RoundTotals& totals_;
};

// The checkpoint's sections: the model, the optimizer, the task, and the rule's own.
std::vector<std::string> section_names(const Peer::State& peer) {
  std::vector<std::string> names{"model", "optimizer", "task"};
  for (auto& name : peer.rounds.state_names()) names.push_back(std::move(name));
  return names;
}

Checkpoint checkpoint_of(const Peer::State& peer, int64_t next_round) {
  Checkpoint checkpoint{peer.setup.id, next_round, peer.digest, {}};
  checkpoint.sections.push_back(float_section("model", peer.model));
  checkpoint.sections.push_back(float_section("optimizer", peer.trainer->optimizer_state()));
  checkpoint.sections.push_back({"task", peer.task->save_state()});
  peer.rounds.save_state(checkpoint);
  return checkpoint;
}

void restore(Peer::State& peer, const Checkpoint& checkpoint, const std::filesystem::path& path) {
  check_owner(checkpoint, peer.setup.id, peer.digest, path.string());
  check_sections(checkpoint, section_names(peer), path);
  try {
    read_floats(*checkpoint.find("model"), peer.model);
    std::vector<float> momentum(float_count(*checkpoint.find("optimizer")));
    read_floats(*checkpoint.find("optimizer"), momentum);
    peer.trainer->restore_optimizer(momentum);
    peer.rounds.restore_state(checkpoint);
  } catch (const std::invalid_argument& error) {
    throw ConfigError("checkpoint " + path.string() + ": " + error.what());
  }
  peer.task->restore_state(checkpoint.find("task")->bytes);
  peer.start_round = checkpoint.next_round;
}

// The model as evaluated, for the average-model curve (average_model.h); all are kept.
void save_snapshot(const Peer::State& peer, int64_t next_round) {
  Checkpoint model_only{peer.setup.id, next_round, peer.digest,
                      {float_section("model", peer.rounds.algorithm().evaluated_model(peer.model))}};
  write_checkpoint(model_only, checkpoint_path(snapshot_directory(peer.setup.run_dir, peer.setup.id), next_round));
}

double distance(std::span<const float> a, std::span<const float> b) {
  double total = 0;
  for (size_t i = 0; i < a.size(); ++i) total += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  return std::sqrt(total);
}

// Test-set numbers and the sketch, at the evaluation interval and at the end.
void add_evaluation(Peer::State& peer, nlohmann::json& line) {
  const std::span<const float> model = peer.rounds.algorithm().evaluated_model(peer.model);
  Evaluation evaluation = peer.trainer->evaluate(model);
  line["test_loss"] = evaluation.loss;
  if (evaluation.accuracy) line["test_accuracy"] = *evaluation.accuracy;
  if (peer.optimum) line["distance_to_optimum"] = distance(model, *peer.optimum);
  add_sketch(line, model, peer.config.sketch_size, peer.config.seed);
}

void log_progress(const Peer::State& peer, int64_t round, const RoundTotals& totals, const nlohmann::json& line) {
  char text[160];
  std::snprintf(text, sizeof(text), "round %lld/%lld  loss %.4f", static_cast<long long>(round + 1),
                static_cast<long long>(peer.config.rounds), totals.loss());
  std::string progress = text;
  if (line.contains("test_loss")) progress += "  test loss " + std::to_string(line["test_loss"].get<double>());
  if (line.contains("test_accuracy")) progress += "  test accuracy " + std::to_string(line["test_accuracy"].get<double>());
  if (!totals.missing.empty()) progress += "  missing " + std::to_string(totals.missing.size()) + " neighbour(s)";
  peer.log(progress);
}

// Returns false when PeerSetup::stop stopped it before the last round, or its attack made it
// leave (crash).
bool train(Peer::State& peer, Transport& transport) {
  const TrainingConfig& config = peer.config;
  MetricsLog metrics(metrics_path(peer.setup.run_dir, peer.setup.id), peer.start_round);
  TransportStats before = transport.stats();
  auto last_log = Clock::now();
  for (int64_t round = peer.start_round, next = round; round < config.rounds; round = next) {
    if (peer.attacker && peer.attacker->leaves(round)) {
      peer.log("byzantine (" + peer.attacker->name() + "): leaving before round " + std::to_string(round));
      return false;
    }
    const double learning_rate = learning_rate_at(config.learning_rate, round, config.rounds);
    RoundTotals totals;
    TaskSteps local(peer, learning_rate, totals);
    peer.rounds.run(transport, round, learning_rate, peer.model, local, peer.attacker.get(), totals);
    if (!std::isfinite(totals.loss())) {
      throw std::runtime_error("round " + std::to_string(round) + ": the loss is " + std::to_string(totals.loss()) +
                               " (diverged: try a smaller learning_rate)");
    }
    next = peer.rounds.next_round(transport, round, config.rounds, totals, [&peer](const std::string& text) { peer.log(text); });
    const TransportStats after = transport.stats();
    nlohmann::json line = round_line(round, Clock::now() - peer.started, learning_rate, totals, before, after);
    if (peer.attacker && peer.attacker->active(round)) line["byzantine"] = peer.attacker->name();
    before = after;
    const bool last = next >= config.rounds;
    if (last || (config.eval_every > 0 && (round + 1) % config.eval_every == 0)) add_evaluation(peer, line);
    metrics.write(line);
    if (config.snapshot_every > 0 && (round + 1) % config.snapshot_every == 0) save_snapshot(peer, round + 1);
    if (config.checkpoint_every > 0 && (round + 1) % config.checkpoint_every == 0 && !last && next == round + 1) {
      save_checkpoint(checkpoint_of(peer, round + 1), checkpoint_directory(peer.setup.run_dir, peer.setup.id));
    }
    if (line.contains("test_loss") || Clock::now() - last_log > std::chrono::seconds(10)) {
      last_log = Clock::now();
      log_progress(peer, round, totals, line);
    }
    if (!last && peer.setup.stop && peer.setup.stop(next)) {
      const auto path = save_checkpoint(checkpoint_of(peer, next), checkpoint_directory(peer.setup.run_dir, peer.setup.id));
      peer.log("stopped before round " + std::to_string(next) + "; checkpoint " + path.string());
      return false;
    }
  }
  return true;
}

}  // namespace

Peer::Peer(PeerSetup setup) : state_(std::make_unique<State>(std::move(setup))) {
  log("task " + state_->config.task + " on " + state_->setup.device + ": " + state_->task->describe() + "; " + std::to_string(state_->model.size()) +
      " parameters");
}
Peer::~Peer() = default;

void Peer::start_fresh() {
  state_->task->initial_parameters(state_->model);
  state_->rounds.algorithm().start(state_->model);
  state_->start_round = 0;
}

void Peer::resume(int64_t round) {
  State& peer = *state_;
  const auto dir = checkpoint_directory(peer.setup.run_dir, peer.setup.id);
  const auto rounds = checkpoint_rounds(dir);
  if (rounds.empty()) throw ConfigError("--resume: no checkpoint in " + dir.string());
  if (round < 0) round = rounds.back();
  const auto path = checkpoint_path(dir, round);
  if (std::find(rounds.begin(), rounds.end(), round) == rounds.end()) {
    throw ConfigError("--resume-round " + std::to_string(round) + ": no checkpoint " + path.string());
  }
  restore(peer, load_checkpoint(path), path);
  peer.log("resumed from " + path.string() + " at round " + std::to_string(peer.start_round));
}

int64_t Peer::first_round() const { return state_->start_round; }

std::size_t Peer::max_payload_bytes() const { return state_->rounds.algorithm().max_payload_bytes(); }

std::vector<uint8_t> Peer::message_kinds() const { return state_->rounds.message_kinds(); }

std::span<const float> Peer::model() const { return state_->model; }

void Peer::log(const std::string& line) const { state_->log(line); }

bool Peer::run(Transport& transport) {
  State& peer = *state_;
  std::filesystem::create_directories(peer_directory(peer.setup.run_dir, peer.setup.id));
  const auto log = [&peer](const std::string& text) { peer.log(text); };
  const auto stop = [&peer] { return peer.setup.stop && peer.setup.stop(peer.start_round); };
  const std::vector<int> neighbours = peer.setup.topology.linked_peers(peer.setup.id);
  if (!wait_for_neighbours(transport, neighbours, peer.config, stop, log)) {
    peer.log("stopped while waiting for its neighbours, before any round");
    return false;
  }
  if (!train(peer, transport)) return false;
  // The final model is the one evaluated (de-biased where the rule keeps a biased one).
  Checkpoint last = checkpoint_of(peer, peer.config.rounds);
  last.sections[0] = float_section("model", peer.rounds.algorithm().evaluated_model(peer.model));
  write_checkpoint(last, final_model_path(peer.setup.run_dir, peer.setup.id));
  say_goodbye(transport, neighbours, peer.config, peer.rounds.heard(), log);
  peer.log("done: " + std::to_string(peer.config.rounds) + " rounds");
  return true;
}

}  // namespace gossip
