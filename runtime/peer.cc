#include "runtime/peer.h"

#include <zlib.h>  // crc32 of the resolved settings

#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "algorithms/dsgd.h"
#include "algorithms/local_sgd.h"
#include "kernels/dense.h"
#include "runtime/checkpoint.h"
#include "runtime/gossip_step.h"
#include "runtime/metrics_log.h"
#include "runtime/peer_network.h"
#include "runtime/run_directory.h"
#include "runtime/sketch.h"
#include "runtime/task.h"
#include "topology/topology_file.h"
#include "transport/identity.h"

namespace gossip {
namespace {

using Seconds = std::chrono::duration<double>;
constexpr uint8_t kFinishedKind = 2;  // the goodbye after the last round

double seconds(Clock::duration d) { return std::chrono::duration_cast<Seconds>(d).count(); }

uint32_t digest_of(const nlohmann::json& resolved) {
  const std::string text = resolved.dump();
  return static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

struct PeerState {
  PeerState(const PeerOptions& options_in, LoadedTopology loaded_in)
      : options(options_in),
        loaded(std::move(loaded_in)),
        config(parse_training_config(merge_training(loaded.file.training, options.overrides), loaded.file.seed)),
        digest(digest_of(to_json(config))),
        task(make_task({options.id, static_cast<int>(loaded.file.peers.size()), config})),
        model(task->parameter_count()),
        gradient(task->parameter_count()),
        optimizer(task->parameter_count(), config.momentum, config.nesterov, config.weight_decay),
        optimum(task->optimum()),
        shape{config.algorithm == "cta" ? DsgdOrder::kCombineThenAdapt : DsgdOrder::kAdaptThenCombine,
              config.local_steps} {}

  const PeerOptions& options;
  LoadedTopology loaded;
  TrainingConfig config;
  uint32_t digest;
  std::unique_ptr<Task> task;
  FloatBuffer model, gradient;
  LocalSgd optimizer;
  std::optional<std::vector<float>> optimum;
  DsgdRound shape;  // ATC or CTA, K local steps
  int64_t start_round = 0;
  Clock::time_point started = Clock::now();

  void log(const std::string& line) const {
    if (options.log) {
      options.log(line);
    } else {
      std::fprintf(stderr, "[peer %d %.1fs] %s\n", options.id, seconds(Clock::now() - started), line.c_str());
    }
  }
  std::filesystem::path peer_dir() const { return peer_directory(options.run_dir, options.id); }
};

Checkpoint snapshot(const PeerState& peer, int64_t next_round) {
  const auto momentum = peer.optimizer.state();
  return {peer.options.id, next_round, peer.digest, {peer.model.begin(), peer.model.end()},
          {momentum.begin(), momentum.end()}, peer.task->save_state()};
}

void restore(PeerState& peer) {
  const auto dir = checkpoint_directory(peer.options.run_dir, peer.options.id);
  auto rounds = checkpoint_rounds(dir);
  if (rounds.empty()) throw ConfigError("--resume: no checkpoint in " + dir.string());
  const int64_t round = peer.options.resume_round >= 0 ? peer.options.resume_round : rounds.back();
  const auto path = checkpoint_path(dir, round);
  if (std::find(rounds.begin(), rounds.end(), round) == rounds.end()) {
    throw ConfigError("--resume-round " + std::to_string(round) + ": no checkpoint " + path.string());
  }
  Checkpoint checkpoint = load_checkpoint(path);
  auto refuse = [&](const std::string& problem) { throw ConfigError("checkpoint " + path.string() + ": " + problem); };
  if (checkpoint.peer != peer.options.id) refuse("belongs to peer " + std::to_string(checkpoint.peer));
  if (checkpoint.config_digest != peer.digest) {
    refuse("was written under other training settings (see config.json of the run); resume with the same file and flags");
  }
  if (checkpoint.model.size() != peer.model.size()) {
    refuse("holds " + std::to_string(checkpoint.model.size()) + " parameters, the task has " +
           std::to_string(peer.model.size()));
  }
  peer.model.assign(checkpoint.model.begin(), checkpoint.model.end());
  try {
    peer.optimizer.restore(checkpoint.optimizer);
  } catch (const std::invalid_argument& error) {
    refuse(error.what());
  }
  peer.task->restore_state(checkpoint.task_state);
  peer.start_round = checkpoint.next_round;
  peer.log("resumed from " + path.string() + " at round " + std::to_string(peer.start_round));
}

double distance(std::span<const float> a, std::span<const float> b) {
  double total = 0;
  for (size_t i = 0; i < a.size(); ++i) total += (double{a[i]} - b[i]) * (double{a[i]} - b[i]);
  return std::sqrt(total);
}

// Test-set numbers and the sketch, at the evaluation interval and at the end.
void add_evaluation(PeerState& peer, nlohmann::json& line) {
  Evaluation evaluation = peer.task->evaluate(peer.model);
  line["test_loss"] = evaluation.loss;
  if (evaluation.accuracy) line["test_accuracy"] = *evaluation.accuracy;
  if (peer.optimum) line["distance_to_optimum"] = distance(peer.model, *peer.optimum);
  if (peer.config.sketch_size > 0) {
    line["sketch"] = model_sketch(peer.model, peer.config.sketch_size, peer.config.seed);
  }
}

struct RoundTotals {
  double loss = 0;
  int correct = 0, count = 0;
  Clock::duration compute{}, sending{}, exchange{};
  std::vector<int> missing;
  std::vector<std::pair<int, int64_t>> ahead;
};

void local_step(PeerState& peer, double learning_rate, RoundTotals& totals) {
  const auto begin = Clock::now();
  BatchLoss batch = peer.task->loss_and_gradient(peer.model, peer.gradient);
  peer.optimizer.step(peer.model, peer.gradient, learning_rate);
  totals.loss += batch.loss / peer.config.local_steps;
  totals.correct += batch.correct;
  totals.count += batch.count;
  totals.compute += Clock::now() - begin;
}

void combine(PeerState& peer, Transport& transport, int64_t round, RoundTotals& totals) {
  const auto begin = Clock::now();
  const auto deadline = begin + std::chrono::duration_cast<Clock::duration>(Seconds(peer.config.round_timeout_seconds));
  GossipStepResult result = gossip_step(transport, peer.loaded.topology, round, peer.model, deadline, true);
  totals.exchange += Clock::now() - begin;
  totals.sending += result.sending;
  totals.missing = result.mix.missing;
  totals.ahead = result.ahead;
}

// A peer that restarted from a checkpoint finds its neighbours rounds ahead. When every
// linked in-neighbour is past this round, it rejoins them at the earliest of their rounds
// (a single lying neighbour cannot make it skip). Returns the next round to run.
int64_t next_round(const PeerState& peer, TcpTransport& transport, int64_t round, const RoundTotals& totals) {
  if (totals.ahead.empty()) return round + 1;
  const std::vector<int> linked = transport.linked_peers();
  int64_t rejoin = peer.config.rounds;
  for (int neighbour : peer.loaded.topology.weights(round).in_neighbours(peer.options.id)) {
    auto ahead = std::find_if(totals.ahead.begin(), totals.ahead.end(), [&](const auto& a) { return a.first == neighbour; });
    if (ahead != totals.ahead.end()) {
      rejoin = std::min(rejoin, ahead->second);
    } else if (std::find(linked.begin(), linked.end(), neighbour) != linked.end()) {
      return round + 1;
    }
  }
  if (rejoin <= round + 1) return round + 1;
  peer.log("neighbours are at round " + std::to_string(rejoin) + ": rejoining there (skipping " +
           std::to_string(rejoin - round - 1) + " rounds)");
  return rejoin;
}

nlohmann::json round_line(const PeerState& peer, int64_t round, double learning_rate, const RoundTotals& totals,
                          const TransportStats& before, const TransportStats& after) {
  nlohmann::json line{{"round", round},
                      {"elapsed_seconds", seconds(Clock::now() - peer.started)},
                      {"learning_rate", learning_rate},
                      {"loss", totals.loss},
                      {"bytes_sent", after.bytes_sent - before.bytes_sent},
                      {"bytes_received", after.bytes_received - before.bytes_received},
                      {"compute_seconds", seconds(totals.compute)},
                      {"communicate_seconds", seconds(totals.sending)},
                      {"wait_seconds", std::max(0.0, seconds(totals.exchange - totals.sending))},
                      {"missing", totals.missing}};
  if (totals.count > 0) line["train_accuracy"] = static_cast<double>(totals.correct) / totals.count;
  return line;
}

void train(PeerState& peer, TcpTransport& transport) {
  const TrainingConfig& config = peer.config;
  MetricsLog metrics(metrics_path(peer.options.run_dir, peer.options.id), peer.start_round);
  TransportStats before = transport.stats();
  auto last_log = Clock::now();
  for (int64_t round = peer.start_round, next = round; round < config.rounds; round = next) {
    const double learning_rate = learning_rate_at(config.learning_rate, round, config.rounds);
    RoundTotals totals;
    dsgd_round(peer.shape, [&] { local_step(peer, learning_rate, totals); },
               [&] { combine(peer, transport, round, totals); });
    if (!std::isfinite(totals.loss)) {
      throw std::runtime_error("round " + std::to_string(round) + ": the loss is " + std::to_string(totals.loss) +
                               " (diverged: try a smaller learning_rate)");
    }
    next = next_round(peer, transport, round, totals);
    const TransportStats after = transport.stats();
    nlohmann::json line = round_line(peer, round, learning_rate, totals, before, after);
    before = after;
    const bool last = next >= config.rounds;
    if (last || (config.eval_every > 0 && (round + 1) % config.eval_every == 0)) add_evaluation(peer, line);
    metrics.write(line);
    if (config.checkpoint_every > 0 && (round + 1) % config.checkpoint_every == 0 && !last && next == round + 1) {
      save_checkpoint(snapshot(peer, round + 1), checkpoint_directory(peer.options.run_dir, peer.options.id));
    }
    if (line.contains("test_loss") || Clock::now() - last_log > std::chrono::seconds(10)) {
      last_log = Clock::now();
      char text[160];
      std::snprintf(text, sizeof(text), "round %lld/%lld  loss %.4f", static_cast<long long>(round + 1),
                    static_cast<long long>(config.rounds), totals.loss);
      std::string progress = text;
      if (line.contains("test_loss")) progress += "  test loss " + std::to_string(line["test_loss"].get<double>());
      if (line.contains("test_accuracy")) progress += "  test accuracy " + std::to_string(line["test_accuracy"].get<double>());
      if (!totals.missing.empty()) progress += "  missing " + std::to_string(totals.missing.size()) + " neighbour(s)";
      peer.log(progress);
    }
  }
}

// After the last round: tell the neighbours, and wait (bounded) for theirs, so nobody
// closes its links while a neighbour still waits for its last model.
void finish(PeerState& peer, TcpTransport& transport) {
  const std::vector<int> neighbours = peer.loaded.topology.linked_peers(peer.options.id);
  std::vector<Outgoing> sends;
  for (int neighbour : neighbours) sends.push_back({neighbour, {}, 0});
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(peer.config.round_timeout_seconds));
  ExchangeResult result = transport.exchange({peer.config.rounds, kFinishedKind, sends, neighbours, deadline, true});
  if (!result.missing.empty()) peer.log("finished; " + std::to_string(result.missing.size()) + " neighbour(s) had gone");
}

std::unique_ptr<TcpTransport> connect(PeerState& peer) {
  const std::string key_path =
      peer.options.key_path.empty() ? default_key_path(peer.options.topology_path, peer.options.id) : peer.options.key_path;
  Identity identity = load_identity(key_path);
  NetworkSettings settings;
  settings.plaintext = peer.options.plaintext;
  // A model message is the model and a little framing; anything bigger is refused.
  settings.max_message_bytes = peer.model.size() * sizeof(float) + 4096;
  settings.first_round = peer.start_round;
  settings.log = [&peer](const std::string& line) { peer.log(line); };
  auto transport = std::make_unique<TcpTransport>(tcp_options_for(peer.loaded, peer.options.id, identity, settings));
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(Seconds(peer.config.startup_timeout_seconds));
  std::vector<int> down = transport->wait_for_links(deadline);
  if (!down.empty()) {
    std::string ids;
    for (int id : down) ids += " " + std::to_string(id);
    peer.log("starting without neighbour(s)" + ids + ": no link after " +
             std::to_string(peer.config.startup_timeout_seconds) + " s");
  }
  return transport;
}

}  // namespace

int run_peer(const PeerOptions& options) {
  LoadedTopology loaded = load_topology(options.topology_path);
  if (options.id < 0 || options.id >= static_cast<int>(loaded.file.peers.size())) {
    throw ConfigError("--id " + std::to_string(options.id) + " is not a peer of " + options.topology_path + " (ids 0.." +
                      std::to_string(loaded.file.peers.size() - 1) + ")");
  }
  PeerState peer(options, std::move(loaded));
  cpu::set_threads(peer.config.threads);
  std::filesystem::create_directories(peer.peer_dir());
  peer.log("task " + peer.config.task + ": " + peer.task->describe() + "; " +
           std::to_string(peer.model.size()) + " parameters");
  if (options.resume) {
    restore(peer);
  } else {
    peer.task->initial_parameters(peer.model);
  }
  std::unique_ptr<TcpTransport> transport = connect(peer);
  train(peer, *transport);
  write_checkpoint(snapshot(peer, peer.config.rounds), final_model_path(options.run_dir, options.id));
  finish(peer, *transport);
  peer.log("done: " + std::to_string(peer.config.rounds) + " rounds");
  return 0;
}

}  // namespace gossip
