#include "runtime/peer.h"

#include <zlib.h>  // crc32 of the resolved settings

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "algorithms/local_sgd.h"
#include "algorithms/registry.h"
#include "common/config_error.h"
#include "kernels/float_buffer.h"
#include "runtime/algorithm_round.h"
#include "runtime/byzantine.h"
#include "runtime/checkpoint.h"
#include "runtime/metrics_log.h"
#include "runtime/round_deadline.h"
#include "runtime/run_directory.h"
#include "runtime/sketch.h"
#include "runtime/task.h"
#include "topology/properties.h"

namespace gossip {
namespace {

using Seconds = std::chrono::duration<double>;

double seconds(Clock::duration d) { return std::chrono::duration_cast<Seconds>(d).count(); }
Clock::duration timeout(double value) { return std::chrono::duration_cast<Clock::duration>(Seconds(value)); }

uint32_t digest_of(const nlohmann::json& resolved) {
  const std::string text = resolved.dump();
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

AlgorithmSettings algorithm_settings(const TrainingConfig& config) {
  AlgorithmSettings settings;
  settings.algorithm = config.algorithm;
  settings.compressor = config.compressor;
  settings.compressor_options = config.compressor_options;
  settings.aggregator = config.aggregator;
  settings.aggregator_options = config.aggregator_options;
  settings.consensus_step = config.consensus_step;
  settings.local_steps = config.local_steps;
  settings.late_rounds = config.late_rounds;
  return settings;
}

// A Byzantine peer's own aggregation does not matter (it lies whatever it holds), so its
// neighbourhood is not checked against the aggregator's needs.
MixingProperties mixing_properties(const Topology& topology, int self, bool byzantine) {
  MixingProperties properties;
  properties.time_varying = topology.time_varying();
  properties.smallest_neighbourhood = SIZE_MAX;
  for (const MixingMatrix& weights : topology.schedule()) {
    properties.smallest_neighbourhood = std::min(properties.smallest_neighbourhood, 1 + weights.in_neighbours(self).size());
    properties.symmetric = properties.symmetric && max_asymmetry(weights) <= 1e-9;
    properties.row_stochastic = properties.row_stochastic && max_row_sum_error(weights) <= 1e-9;
    properties.column_stochastic = properties.column_stochastic && max_column_sum_error(weights) <= 1e-9;
  }
  if (byzantine) properties.smallest_neighbourhood = 0;
  return properties;
}

// What one round did, for its metrics line.
struct RoundTotals {
  double loss_sum = 0;
  int steps = 0, correct = 0, count = 0;
  Clock::duration compute{}, sending{}, exchange{};
  uint64_t payload_bytes = 0;
  std::vector<int> missing, late;
  std::vector<std::pair<int, int64_t>> ahead;
  Clock::duration deadline{};

  double loss() const { return steps > 0 ? loss_sum / steps : 0.0; }
};

}  // namespace

struct Peer::State {
  explicit State(PeerSetup setup_in)
      : setup(std::move(setup_in)),
        digest(digest_of(to_json(setup.config))),
        attacker(make_attacker(setup.config, setup.id, setup.topology.size())),
        task_settings(task_config(setup.config, attacker.get())),
        task(make_task({setup.id, setup.topology.size(), task_settings})),
        model(task->parameter_count()),
        gradient(task->parameter_count()),
        optimizer(task->parameter_count(), setup.config.momentum, setup.config.nesterov, setup.config.weight_decay),
        optimum(task->optimum()),
        algorithm(make_algorithm(algorithm_settings(setup.config), setup.id, model.size(), setup.config.seed,
                                 mixing_properties(setup.topology, setup.id, attacker != nullptr))),
        deadline(setup.config.round_deadline == "adaptive", timeout(setup.config.round_deadline_floor_seconds),
                 timeout(setup.config.round_timeout_seconds)) {
    for (const MixingMatrix& weights : setup.topology.schedule()) {
      neighbourhoods.push_back(neighbourhood_of(weights, setup.id));
    }
    if (attacker && attacker->attack().needs_plain_payloads() && !algorithm->plain_payloads()) {
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
  FloatBuffer model, gradient;
  LocalSgd optimizer;
  std::optional<std::vector<float>> optimum;
  std::unique_ptr<Algorithm> algorithm;
  RoundDeadline deadline;
  std::vector<Neighbourhood> neighbourhoods;  // by round % period
  int64_t start_round = 0;
  Clock::time_point started = Clock::now();
  std::set<int> heard;  // neighbours whose messages arrived in some round: the others never linked

  const Neighbourhood& neighbourhood(int64_t round) const { return neighbourhoods[round % neighbourhoods.size()]; }
  std::unique_ptr<FILE, int (*)(FILE*)> log_copy{nullptr, &std::fclose};

  void log(const std::string& line) const {
    if (setup.log) {
      setup.log(line);
      return;
    }
    char text[48];
    std::snprintf(text, sizeof(text), "[peer %d %.1fs] ", setup.id, seconds(Clock::now() - started));
    std::fprintf(stderr, "%s%s\n", text, line.c_str());
    if (log_copy) {
      std::fprintf(log_copy.get(), "%s%s\n", text, line.c_str());
      std::fflush(log_copy.get());
    }
  }
};

namespace {

// The peer's own steps on its own data: the task's gradient, then the optimizer.
class TaskSteps final : public LocalTraining {
 public:
  TaskSteps(Peer::State& peer, double learning_rate, RoundTotals& totals)
      : peer_(peer), learning_rate_(learning_rate), totals_(totals) {}
  void step(std::span<float> model) override {
    const auto begin = Clock::now();
    record(peer_.task->loss_and_gradient(model, peer_.gradient));
    peer_.optimizer.step(model, peer_.gradient, learning_rate_);
    totals_.compute += Clock::now() - begin;
  }
  void gradient(std::span<const float> at, std::span<float> out) override {
    const auto begin = Clock::now();
    record(peer_.task->loss_and_gradient(at, out));
    const auto decay = static_cast<float>(peer_.optimizer.weight_decay());
    if (decay != 0) {
      for (std::size_t k = 0; k < out.size(); ++k) out[k] += decay * at[k];
    }
    totals_.compute += Clock::now() - begin;
  }
  void momentum_step(std::span<float> model, std::span<const float> direction) override {
    const auto begin = Clock::now();
    peer_.optimizer.momentum_step(model, direction, learning_rate_);
    totals_.compute += Clock::now() - begin;
  }

 private:
  void record(const BatchLoss& batch) {
    totals_.loss_sum += batch.loss;
    ++totals_.steps;
    totals_.correct += batch.correct;
    totals_.count += batch.count;
  }

  Peer::State& peer_;
  double learning_rate_;
  RoundTotals& totals_;
};

// The checkpoint's sections: the model, the optimizer, the task, and the algorithm's own
// under "algorithm.<name>".
constexpr const char* kAlgorithmPrefix = "algorithm.";

std::vector<std::string> section_names(const Peer::State& peer) {
  std::vector<std::string> names{"model", "optimizer", "task"};
  for (const auto& name : peer.algorithm->state_names()) names.push_back(kAlgorithmPrefix + name);
  return names;
}

Checkpoint checkpoint_of(const Peer::State& peer, int64_t next_round) {
  Checkpoint checkpoint{peer.setup.id, next_round, peer.digest, {}};
  checkpoint.sections.push_back(float_section("model", peer.model));
  checkpoint.sections.push_back(float_section("optimizer", peer.optimizer.state()));
  checkpoint.sections.push_back({"task", peer.task->save_state()});
  for (StateSection& section : peer.algorithm->save_state()) {
    section.name = kAlgorithmPrefix + section.name;
    checkpoint.sections.push_back(std::move(section));
  }
  return checkpoint;
}

void restore(Peer::State& peer, const Checkpoint& checkpoint, const std::filesystem::path& path) {
  auto refuse = [&](const std::string& problem) { throw ConfigError("checkpoint " + path.string() + ": " + problem); };
  if (checkpoint.peer != peer.setup.id) refuse("belongs to peer " + std::to_string(checkpoint.peer));
  if (checkpoint.config_digest != peer.digest) {
    refuse("was written under other training settings (see config.json of the run); resume with the same file and flags");
  }
  check_sections(checkpoint, section_names(peer), path);
  try {
    read_floats(*checkpoint.find("model"), peer.model);
    std::vector<float> momentum(float_count(*checkpoint.find("optimizer")));
    read_floats(*checkpoint.find("optimizer"), momentum);
    peer.optimizer.restore(momentum);
    std::vector<StateSection> algorithm;
    for (const auto& section : checkpoint.sections) {
      if (section.name.starts_with(kAlgorithmPrefix)) {
        algorithm.push_back({section.name.substr(std::string_view(kAlgorithmPrefix).size()), section.bytes});
      }
    }
    peer.algorithm->restore_state(algorithm);
  } catch (const std::invalid_argument& error) {
    refuse(error.what());
  }
  peer.task->restore_state(checkpoint.find("task")->bytes);
  peer.start_round = checkpoint.next_round;
}

// The model as evaluated, for the average-model curve (average_model.h); all are kept.
void save_snapshot(const Peer::State& peer, int64_t next_round) {
  Checkpoint model_only{peer.setup.id, next_round, peer.digest,
                      {float_section("model", peer.algorithm->evaluated_model(peer.model))}};
  write_checkpoint(model_only, checkpoint_path(snapshot_directory(peer.setup.run_dir, peer.setup.id), next_round));
}

double distance(std::span<const float> a, std::span<const float> b) {
  double total = 0;
  for (size_t i = 0; i < a.size(); ++i) total += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  return std::sqrt(total);
}

// Test-set numbers and the sketch, at the evaluation interval and at the end.
void add_evaluation(Peer::State& peer, nlohmann::json& line) {
  const std::span<const float> model = peer.algorithm->evaluated_model(peer.model);
  Evaluation evaluation = peer.task->evaluate(model);
  line["test_loss"] = evaluation.loss;
  if (evaluation.accuracy) line["test_accuracy"] = *evaluation.accuracy;
  if (peer.optimum) line["distance_to_optimum"] = distance(model, *peer.optimum);
  if (peer.config.sketch_size > 0) {
    const uint64_t seed = sketch_seed(peer.config.seed, line["round"].get<int64_t>());
    line["sketch"] = model_sketch(model, peer.config.sketch_size, seed);
  }
}

void run_round(Peer::State& peer, Transport& transport, int64_t round, double learning_rate, RoundTotals& totals) {
  TaskSteps local(peer, learning_rate, totals);
  RoundContext context{round, learning_rate, peer.neighbourhood(round), peer.model, local};
  totals.deadline = peer.deadline.timeout(context.neighbourhood);
  const std::vector<int> stalled = peer.deadline.dont_wait_for(context.neighbourhood);
  RoundReport report =
      run_algorithm_round(*peer.algorithm, transport, context, totals.deadline, peer.attacker.get(), stalled);
  peer.deadline.observe(report, transport.linked_peers());
  totals.compute += report.coding;
  totals.sending = report.sending;
  totals.exchange = report.exchange;
  totals.payload_bytes = report.payload_bytes;
  totals.missing = std::move(report.missing);
  totals.late = std::move(report.late);
  totals.ahead = std::move(report.ahead);
}

// A peer that restarted from a checkpoint finds its neighbours rounds ahead. When every
// linked in-neighbour is past this round, it rejoins them at the earliest of their rounds
// (a single lying neighbour cannot make it skip). Returns the next round to run.
int64_t next_round(const Peer::State& peer, Transport& transport, int64_t round, const RoundTotals& totals) {
  if (totals.ahead.empty()) return round + 1;
  const std::vector<int> linked = transport.linked_peers();
  int64_t rejoin = peer.config.rounds;
  for (const WeightedPeer& in : peer.neighbourhood(round).in) {
    auto ahead = std::find_if(totals.ahead.begin(), totals.ahead.end(), [&](const auto& a) { return a.first == in.peer; });
    if (ahead != totals.ahead.end()) {
      rejoin = std::min(rejoin, ahead->second);
    } else if (std::find(linked.begin(), linked.end(), in.peer) != linked.end()) {
      return round + 1;
    }
  }
  if (rejoin <= round + 1) return round + 1;
  peer.log("neighbours are at round " + std::to_string(rejoin) + ": rejoining there (skipping " +
           std::to_string(rejoin - round - 1) + " rounds)");
  return rejoin;
}

nlohmann::json round_line(const Peer::State& peer, int64_t round, double learning_rate, const RoundTotals& totals,
                          const TransportStats& before, const TransportStats& after) {
  nlohmann::json line{{"round", round},
                      {"elapsed_seconds", seconds(Clock::now() - peer.started)},
                      {"learning_rate", learning_rate},
                      {"loss", totals.loss()},
                      {"bytes_sent", after.bytes_sent - before.bytes_sent},
                      {"bytes_received", after.bytes_received - before.bytes_received},
                      {"payload_bytes", totals.payload_bytes},
                      {"compute_seconds", seconds(totals.compute)},
                      {"communicate_seconds", seconds(totals.sending)},
                      {"wait_seconds", std::max(0.0, seconds(totals.exchange - totals.sending))},
                      {"missing", totals.missing},
                      {"deadline_seconds", seconds(totals.deadline)}};
  if (!totals.late.empty()) line["late_mixed"] = totals.late;
  if (totals.count > 0) line["train_accuracy"] = static_cast<double>(totals.correct) / totals.count;
  return line;
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
    run_round(peer, transport, round, learning_rate, totals);
    if (!std::isfinite(totals.loss())) {
      throw std::runtime_error("round " + std::to_string(round) + ": the loss is " + std::to_string(totals.loss()) +
                               " (diverged: try a smaller learning_rate)");
    }
    for (const WeightedPeer& in : peer.neighbourhood(round).in) {
      if (std::find(totals.missing.begin(), totals.missing.end(), in.peer) == totals.missing.end()) peer.heard.insert(in.peer);
    }
    next = next_round(peer, transport, round, totals);
    const TransportStats after = transport.stats();
    nlohmann::json line = round_line(peer, round, learning_rate, totals, before, after);
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

// After the last round: tell the neighbours, and wait (bounded) for theirs, so nobody
// closes its links while a neighbour still waits for its last model.
void finish(Peer::State& peer, Transport& transport) {
  const std::vector<int> neighbours = peer.setup.topology.linked_peers(peer.setup.id);
  std::vector<Outgoing> sends;
  for (int neighbour : neighbours) sends.push_back({neighbour, {}, 0});
  const auto deadline = Clock::now() + timeout(peer.config.round_timeout_seconds);
  ExchangeResult result =
      transport.exchange({peer.config.rounds, wire_kind(MessageKind::kFinished), sends, neighbours, deadline, true});
  std::string gone, never;
  for (int neighbour : result.missing) (peer.heard.contains(neighbour) ? gone : never) += " " + std::to_string(neighbour);
  if (!gone.empty()) peer.log("finished; neighbour(s)" + gone + " had gone");
  if (!never.empty()) peer.log("finished; neighbour(s)" + never + " never linked in the whole run");
}

std::string id_list(const std::vector<int>& ids) {
  std::string text;
  for (int id : ids) text += (text.empty() ? "" : ", ") + std::to_string(id);
  return text;
}

// Waits for the links, saying after 2 s and then every 10 s which neighbours it still waits for; false when
// PeerSetup::stop stopped it meanwhile. A peer none of whose neighbours came trains nothing
// worth having: that is an error unless the settings allow training alone.
bool wait_for_neighbours(const Peer::State& peer, Transport& transport) {
  const double limit = peer.config.startup_timeout_seconds;
  const auto started = Clock::now(), deadline = started + timeout(limit);
  auto next_word = started + std::chrono::seconds(2);
  std::vector<int> down;
  for (;;) {
    down = transport.wait_for_links(std::min(deadline, Clock::now() + std::chrono::seconds(1)));
    if (down.empty() || Clock::now() >= deadline) break;
    if (peer.setup.stop && peer.setup.stop(peer.start_round)) return false;
    if (Clock::now() >= next_word) {
      next_word = Clock::now() + std::chrono::seconds(10);
      char waited[64];
      std::snprintf(waited, sizeof(waited), " (%.0f s of %.0f s)", seconds(Clock::now() - started), limit);
      peer.log("waiting for peer(s) " + id_list(down) + waited);
    }
  }
  if (down.empty()) return true;
  const std::vector<int> neighbours = peer.setup.topology.linked_peers(peer.setup.id);
  char after[64];
  std::snprintf(after, sizeof(after), "%.0f s", limit);
  if (down.size() == neighbours.size() && !peer.config.train_alone) {
    throw std::runtime_error("no neighbour linked within startup_timeout_seconds (" + std::string(after) + "): peer(s) " +
                             id_list(down) + " never came. Check that they run and that their host:port is reachable "
                             "from here; set training.train_alone to true to train without them");
  }
  peer.log("starting without neighbour(s) " + id_list(down) + ": never linked within " + after);
  return true;
}

}  // namespace

Peer::Peer(PeerSetup setup) : state_(std::make_unique<State>(std::move(setup))) {
  if (!state_->setup.log_copy.empty()) {
    std::filesystem::create_directories(state_->setup.log_copy.parent_path());
    state_->log_copy.reset(std::fopen(state_->setup.log_copy.c_str(), "a"));
  }
  log("task " + state_->config.task + ": " + state_->task->describe() + "; " + std::to_string(state_->model.size()) +
      " parameters");
}
Peer::~Peer() = default;

void Peer::start_fresh() {
  state_->task->initial_parameters(state_->model);
  state_->algorithm->start(state_->model);
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

std::size_t Peer::max_payload_bytes() const { return state_->algorithm->max_payload_bytes(); }

std::vector<uint8_t> Peer::message_kinds() const {
  std::vector<uint8_t> kinds{wire_kind(MessageKind::kFinished)};
  for (MessageKind channel : state_->algorithm->channels()) kinds.push_back(wire_kind(channel));
  return kinds;
}

std::span<const float> Peer::model() const { return state_->model; }

void Peer::log(const std::string& line) const { state_->log(line); }

bool Peer::run(Transport& transport) {
  State& peer = *state_;
  std::filesystem::create_directories(peer_directory(peer.setup.run_dir, peer.setup.id));
  if (!wait_for_neighbours(peer, transport)) {
    peer.log("stopped while waiting for its neighbours, before any round");
    return false;
  }
  if (!train(peer, transport)) return false;
  // The final model is the one evaluated (de-biased where the rule keeps a biased one).
  Checkpoint last = checkpoint_of(peer, peer.config.rounds);
  last.sections[0] = float_section("model", peer.algorithm->evaluated_model(peer.model));
  write_checkpoint(last, final_model_path(peer.setup.run_dir, peer.setup.id));
  finish(peer, transport);
  peer.log("done: " + std::to_string(peer.config.rounds) + " rounds");
  return true;
}

}  // namespace gossip
