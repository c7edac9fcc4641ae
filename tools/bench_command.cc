#include <cstdio>

#include "bench/link_bench.h"
#include "bench/aggregator_bench.h"
#include "bench/kernel_bench.h"
#include "bench/train_bench.h"
#include "common/config_error.h"
#include "runtime/average_model.h"
#include "tools/command.h"

namespace gossip::tools {

namespace {

void add_train_bench(CLI::App& bench, std::vector<Command>& commands) {
  CLI::App* train = bench.add_subcommand(
      "train", "Samples per second of one peer's local training steps (forward, backward, SGD with momentum) "
               "for the MLP on the CPU");
  train->footer(
      "Random data of Fashion-MNIST's shape (784 inputs, 10 classes). Warm-up, then timed repetitions;\n"
      "the table shows min / median / max. bench/train_compare.sh compares it with PyTorch.\n"
      "Examples:\n"
      "  gossip bench train\n"
      "  gossip bench train --batch 128 --threads 2 --hidden 512,256 --json");
  auto options = std::make_shared<bench::TrainBenchOptions>();
  auto as_json = std::make_shared<bool>(false);
  train->add_option("--batch", options->batch, "Samples per step")->check(CLI::PositiveNumber)->capture_default_str();
  train->add_option("--threads", options->threads, "Threads for the matrix products")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train->add_option("--hidden", options->hidden, "Hidden layer widths, comma separated")
      ->delimiter(',')
      ->capture_default_str();
  auto steps = train->add_option("--steps", options->steps, "Steps per timed repetition (instead of --seconds)")
                   ->check(CLI::PositiveNumber);
  train->add_option("--seconds", options->seconds, "Seconds per timed repetition")
      ->check(CLI::PositiveNumber)
      ->excludes(steps)
      ->capture_default_str();
  train->add_option("--repetitions", options->repetitions, "Timed repetitions")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  train->add_flag("--json", *as_json, "Print one JSON object instead of the table");
  commands.push_back({train, [options, as_json] {
    auto report = bench::run_train_bench(*options);
    std::fputs(*as_json ? (bench::train_bench_json(report).dump(2) + "\n").c_str()
                        : bench::format_train_bench(report).c_str(),
               stdout);
    return 0;
  }});
}

void add_aggregator_bench(CLI::App& bench, std::vector<Command>& commands) {
  CLI::App* aggregators = bench.add_subcommand(
      "aggregators", "Milliseconds per aggregate of each aggregator, and its speed against memory bandwidth");
  aggregators->footer(
      "k vectors of d random floats (the peer and k - 1 neighbours); all aggregators take turns in every repetition.\n"
      "Examples:\n"
      "  gossip bench aggregators\n"
      "  gossip bench aggregators --neighbourhoods 3,9,17 --length 4194304 --json");
  auto options = std::make_shared<bench::AggregatorBenchOptions>();
  auto as_json = std::make_shared<bool>(false);
  aggregators->add_option("--neighbourhoods", options->neighbourhoods, "Values of k, comma separated")
      ->delimiter(',')
      ->capture_default_str();
  aggregators->add_option("--length", options->length, "d, floats a vector")->check(CLI::PositiveNumber)->capture_default_str();
  aggregators->add_option("--repetitions", options->repetitions, "Timed repetitions")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  aggregators->add_flag("--json", *as_json, "Print one JSON object instead of the table");
  commands.push_back({aggregators, [options, as_json] {
    for (int k : options->neighbourhoods) {
      if (k < 1 || k > 1024) throw ConfigError("--neighbourhoods: k must be in 1..1024, got " + std::to_string(k));
    }
    auto report = bench::run_aggregator_bench(*options);
    std::fputs(*as_json ? (bench::aggregator_bench_json(report).dump(2) + "\n").c_str()
                        : bench::format_aggregator_bench(report).c_str(),
               stdout);
    return 0;
  }});
}

void add_kernel_bench(CLI::App& bench, std::vector<Command>& commands) {
  CLI::App* kernels = bench.add_subcommand(
      "kernels", "Each kernel of the peer loop on the CPU and the GPU, side by side: GB/s or GFLOP/s against peak");
  kernels->footer(
      "The CPU's bandwidth peak is measured in the same run (memcpy, a read-only sum); the GPU's come from its\n"
      "properties. Without a usable GPU the GPU columns say why.\n"
      "Examples:\n"
      "  gossip bench kernels\n"
      "  gossip bench kernels --length 4194304 --inputs 9 --batch 128 --json");
  auto options = std::make_shared<bench::KernelBenchOptions>();
  auto as_json = std::make_shared<bool>(false);
  auto cpu_only = std::make_shared<bool>(false);
  kernels->add_option("--length", options->length, "n, floats a vector")
      ->check(CLI::Range(std::size_t{16}, std::size_t{1} << 30))
      ->capture_default_str();
  kernels->add_option("--inputs", options->inputs, "k, vectors the neighbourhood operations combine")
      ->check(CLI::Range(2, 32))
      ->capture_default_str();
  kernels->add_option("--batch", options->batch, "Columns of the dense layer's products")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  kernels->add_option("--repetitions", options->repetitions, "Timed repetitions")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  kernels->add_flag("--cpu-only", *cpu_only, "Leave the GPU column out");
  kernels->add_flag("--json", *as_json, "Print one JSON object instead of the table");
  commands.push_back({kernels, [options, as_json, cpu_only] {
    options->gpu = !*cpu_only;
    auto report = bench::run_kernel_bench(*options);
    std::fputs(*as_json ? (bench::kernel_bench_json(report).dump(2) + "\n").c_str()
                        : bench::format_kernel_bench(report).c_str(),
               stdout);
    return 0;
  }});
}

void add_average_model(CLI::App& bench, std::vector<Command>& commands) {
  CLI::App* average = bench.add_subcommand(
      "average-model", "The average model's test numbers and the bytes sent per peer, at every round of a run "
                       "with snapshots (training.snapshot_every)");
  average->footer(
      "Reads RUN/topology.json, RUN/peer-I/snapshots/ and the metrics; the average x_bar = (1/n) sum_i x_i is\n"
      "evaluated on the task's test set, as summary.json does for the final models.\n"
      "Examples:\n"
      "  gossip launch examples/ring8_fashion_mnist.json --run-dir runs/r --set snapshot_every=25\n"
      "  gossip bench average-model runs/r\n"
      "  gossip bench average-model runs/r --json");
  auto run_dir = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  average->add_option("RUN", *run_dir, "A run directory")->required();
  average->add_flag("--json", *as_json, "Print the points as one JSON array");
  commands.push_back({average, [run_dir, as_json] {
    const nlohmann::json curve = average_model_curve(*run_dir);
    if (*as_json) {
      std::fputs((curve.dump(2) + "\n").c_str(), stdout);
      return 0;
    }
    std::printf("%8s  %14s  %10s  %13s  %10s\n", "round", "MB sent/peer", "test loss", "test accuracy", "consensus");
    for (const auto& point : curve) {
      std::printf("%8lld  %14.2f  %10.4f  %13s  %10.3g\n", point["round"].get<long long>(),
                  point["bytes_sent_per_peer"].get<double>() / 1e6, point["test_loss"].get<double>(),
                  point.contains("test_accuracy") ? std::to_string(point["test_accuracy"].get<double>()).substr(0, 6).c_str() : "-",
                  point["consensus_error_exact"].get<double>());
    }
    return 0;
  }});
}

}  // namespace

void add_bench_commands(CLI::App& parent, std::vector<Command>& commands) {
  CLI::App* bench = parent.add_subcommand("bench", "Benchmarks that print a table of medians");
  bench->require_subcommand(1);
  bench->footer(
      "Examples:\n"
      "  gossip bench link                      encrypted link vs raw TCP and libsodium's AEAD\n"
      "  gossip bench train --batch 64          the MLP's training step, samples/s\n"
      "  gossip bench aggregators               robust aggregators against the plain mean\n"
      "  gossip bench kernels                   each kernel on the CPU and the GPU against peak\n"
      "  gossip bench average-model RUN         the average model at each snapshot of a run\n"
      "Run `gossip bench SUBCOMMAND --help` for every flag.");
  CLI::App* link = bench->add_subcommand(
      "link", "Throughput of one peer link, encrypted and plaintext, against a raw TCP socket pair and "
              "libsodium's AEAD speed on this CPU");
  link->footer(
      "Two local peer processes by default; each point is the median of timed turns after one warm-up.\n"
      "Across two hosts of a topology file, run it on both with their own --id; the lower id sends and\n"
      "prints the table, and the raw TCP baseline uses the receiver's port + 1.\n"
      "Examples:\n"
      "  gossip bench link\n"
      "  gossip bench link --sizes 4194304,67108864 --json\n"
      "  gossip bench link --topology vms.json --id 0 --peer 1      (and --id 1 --peer 0 on the other host)");
  auto options = std::make_shared<bench::LinkBenchOptions>();
  options->sizes = {std::size_t{64} << 10, std::size_t{256} << 10, std::size_t{1} << 20, std::size_t{4} << 20,
                    std::size_t{16} << 20, std::size_t{64} << 20, std::size_t{256} << 20};
  auto as_json = std::make_shared<bool>(false);
  link->add_option("--sizes", options->sizes, "Message sizes in bytes, comma separated")->delimiter(',')->capture_default_str();
  link->add_option("--max-repetitions", options->max_repetitions, "Timed rounds per size at most (at least 5)")
      ->check(CLI::Range(5, 10000))
      ->capture_default_str();
  link->add_option("--chunk-bytes", options->chunk_bytes, "Payload bytes per record")->capture_default_str();
  link->add_option("--batch-bytes", options->batch_bytes, "Payload bytes per gather write")->capture_default_str();
  auto remote = std::make_shared<bench::RemoteLink>();
  auto topology = link->add_option("--topology", remote->topology_path, "Measure between two hosts of this topology file");
  link->add_option("--id", remote->id, "This host's peer id (with --topology)")->needs(topology);
  link->add_option("--peer", remote->peer, "The other host's peer id (with --topology)")->needs(topology);
  link->add_option("--key", remote->key_path, "This peer's secret key (default: the documented key path)")->needs(topology);
  link->add_flag("--plaintext", remote->plaintext, "Across hosts: measure the plaintext link (both hosts must say so)")
      ->needs(topology);
  link->add_flag("--json", *as_json, "Print one JSON object instead of the table");
  commands.push_back({link, [options, as_json, remote] {
    if (!remote->topology_path.empty()) options->remote = *remote;
    auto report = bench::run_link_bench(*options, [](const std::string& step) {
      std::fprintf(stderr, "bench link: %s\n", step.c_str());
    });
    std::fputs(*as_json ? (bench::link_bench_json(report).dump(2) + "\n").c_str() : bench::format_link_bench(report).c_str(),
               stdout);
    return 0;
  }});
  add_train_bench(*bench, commands);
  add_average_model(*bench, commands);
  add_aggregator_bench(*bench, commands);
  add_kernel_bench(*bench, commands);
}

}  // namespace gossip::tools
