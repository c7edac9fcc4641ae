// The baseline users would otherwise pick: synchronous data-parallel SGD, every step's
// gradients averaged by Gloo's ring all-reduce (what PyTorch's DDP uses on CPUs), over the
// same task, data shards, hosts and links as a gossip run of the same topology file. A bench
// program, not a product path: Gloo's TCP transport is neither authenticated nor encrypted.
//
//   gossip_allreduce TOPOLOGY --id I --run-dir RUN [--rounds N] [--eval-every N]
//
// Rank I binds to peer I's host from the file, and the ranks meet through a Gloo FileStore
// in RUN/rendezvous (the hosts of one machine, or of network namespaces on it, share the
// directory). One round is one step: a minibatch gradient, the all-reduce, one optimizer
// step; RUN/peer-I/metrics.jsonl has the gossip peers' fields, so `gossip report` and
// bench/multihost.sh read both alike (communicate_seconds is the all-reduce, its waiting
// for the slowest rank included; wait_seconds is 0).
#include <gloo/allreduce_ring.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/transport/tcp/device.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "algorithms/local_sgd.h"
#include "common/config_error.h"
#include "kernels/float_buffer.h"
#include "runtime/run_directory.h"
#include "runtime/task.h"
#include "runtime/training_config.h"
#include "topology/topology_file.h"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int run(const std::string& topology_path, int id, const std::filesystem::path& run_dir, int64_t rounds,
        int64_t eval_every) {
  const gossip::LoadedTopology loaded = gossip::load_topology(topology_path);
  const int peers = loaded.topology.size();
  if (id < 0 || id >= peers) throw gossip::ConfigError("--id " + std::to_string(id) + " is not a peer of " + topology_path);
  gossip::TrainingConfig config = gossip::parse_training_config(loaded.file.training, loaded.file.seed);
  if (rounds > 0) config.rounds = rounds;
  if (eval_every >= 0) config.eval_every = eval_every;

  std::unique_ptr<gossip::Task> task = gossip::make_task({id, peers, config});
  gossip::FloatBuffer model(task->parameter_count()), gradient(task->parameter_count());
  task->initial_parameters(model);
  gossip::LocalSgd optimizer(model.size(), config.momentum, config.nesterov, config.weight_decay);

  const std::filesystem::path rendezvous = run_dir / "rendezvous";
  std::filesystem::create_directories(rendezvous);
  std::filesystem::create_directories(gossip::peer_directory(run_dir, id));
  gloo::transport::tcp::attr attr;
  attr.hostname = loaded.file.peers[id].host;
  auto device = gloo::transport::tcp::CreateDevice(attr);
  gloo::rendezvous::FileStore store(rendezvous.string());
  auto context = std::make_shared<gloo::rendezvous::Context>(id, peers);
  context->connectFullMesh(store, device);
  gloo::AllreduceRing<float> allreduce(context, {gradient.data()}, static_cast<int>(gradient.size()));
  std::fprintf(stderr, "[rank %d] %s: %zu parameters, %d ranks, ring all-reduce over %s\n", id,
               task->describe().c_str(), model.size(), peers, attr.hostname.c_str());

  std::ofstream metrics(gossip::metrics_path(run_dir, id));
  const auto started = Clock::now();
  const float scale = 1.0f / static_cast<float>(peers);
  for (int64_t round = 0; round < config.rounds; ++round) {
    const double learning_rate = gossip::learning_rate_at(config.learning_rate, round, config.rounds);
    auto begin = Clock::now();
    const gossip::BatchLoss batch = task->loss_and_gradient(model, gradient);
    const double compute = since(begin);
    begin = Clock::now();
    allreduce.run();
    const double communicate = since(begin);
    begin = Clock::now();
    for (float& value : gradient) value *= scale;
    optimizer.step(model, gradient, learning_rate);
    nlohmann::json line{{"round", round},
                        {"elapsed_seconds", since(started)},
                        {"learning_rate", learning_rate},
                        {"loss", batch.loss},
                        {"bytes_sent", 0},
                        {"compute_seconds", compute + since(begin)},
                        {"communicate_seconds", communicate},
                        {"wait_seconds", 0.0},
                        {"missing", nlohmann::json::array()}};
    if (batch.count > 0) line["train_accuracy"] = static_cast<double>(batch.correct) / batch.count;
    const bool last = round + 1 == config.rounds;
    if (last || (config.eval_every > 0 && (round + 1) % config.eval_every == 0)) {
      const gossip::Evaluation evaluation = task->evaluate(model);
      line["test_loss"] = evaluation.loss;
      if (evaluation.accuracy) line["test_accuracy"] = *evaluation.accuracy;
    }
    metrics << line.dump() << '\n' << std::flush;
  }
  std::fprintf(stderr, "[rank %d] done: %lld steps in %.1f s\n", id, static_cast<long long>(config.rounds),
               since(started));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Synchronous data-parallel SGD with Gloo's ring all-reduce: the baseline of bench/multihost.sh"};
  std::string topology;
  int id = -1;
  std::string run_dir = "runs/allreduce";
  int64_t rounds = 0, eval_every = -1;
  app.add_option("topology", topology, "Topology file: peers' hosts and the training section")->required();
  app.add_option("--id", id, "This rank (peer id)")->required();
  app.add_option("--run-dir", run_dir, "Run directory");
  app.add_option("--rounds", rounds, "Steps (default: the file's rounds)");
  app.add_option("--eval-every", eval_every, "Steps between test evaluations (default: the file's)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(topology, id, run_dir, rounds, eval_every);
  } catch (const gossip::ConfigError& error) {
    std::fprintf(stderr, "gossip_allreduce: error: %s\n", error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "gossip_allreduce: %s\n", error.what());
    return 1;
  }
}
