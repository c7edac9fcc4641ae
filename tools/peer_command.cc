#include <cstdlib>

#include "runtime/launcher.h"
#include "runtime/peer_process.h"
#include "tools/command.h"
#include "tools/command_line.h"
#include "tools/training_flags.h"
#include "common/config_error.h"

namespace gossip::tools {
namespace {

// The rank that common launchers give each process, for `--id` left out.
int id_from_environment() {
  for (const char* name : {"SLURM_PROCID", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "RANK"}) {
    const char* value = std::getenv(name);
    if (!value || !*value) continue;
    char* end = nullptr;
    long id = std::strtol(value, &end, 10);
    if (*end || id < 0 || id > 1 << 20) throw ConfigError(std::string("$") + name + "=" + value + " is not a peer id");
    return static_cast<int>(id);
  }
  throw ConfigError("give --id, or run under a launcher that sets SLURM_PROCID, OMPI_COMM_WORLD_RANK or RANK");
}

}  // namespace

void add_peer_command(CLI::App& parent, std::vector<Command>& commands) {
  CLI::App* app = parent.add_subcommand("peer", "Run one peer of a topology file (what each VM runs)");
  app->footer(
      "The peer trains with the settings of the file's training section (flags override them), talks\n"
      "to its neighbours over authenticated, encrypted TCP and writes RUN/peer-I/metrics.jsonl.\n"
      "Examples:\n"
      "  gossip peer vms.json --id 3 --key /secure/peer-3.key --run-dir runs/exp1\n"
      "  srun gossip peer vms.json --run-dir runs/exp1         (--id from SLURM_PROCID)\n"
      "  gossip peer vms.json --id 3 --run-dir runs/exp1 --resume   (after a crash: rejoin)");
  auto options = std::make_shared<PeerOptions>();
  app->add_option("topology", options->topology_path, "Topology file (JSON)")->required();
  app->add_option("--id", options->id, "This peer's id (default: $SLURM_PROCID, $OMPI_COMM_WORLD_RANK or $RANK)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--key", options->key_path, "Secret key file (default: $GOSSIP_KEY_DIR/peer-I.key, else keys/ beside the file)");
  app->add_option("--run-dir", options->run_dir, "Run directory")->capture_default_str();
  app->add_flag("--resume", options->resume, "Continue from this peer's newest checkpoint in the run directory");
  app->add_option("--resume-round", options->resume_round, "With --resume: the checkpoint of this round");
  app->add_flag("--overwrite", options->overwrite, "Start afresh even where the run directory has this peer's metrics");
  app->add_option("--device", options->device,
                  "cpu, cuda:N, or cuda (the host's GPUs in turn); default: the file's peers[I].device");
  app->add_flag("--plaintext", options->plaintext,
                "Trusted networks only: the handshake still authenticates the peers, but the records after it are\n"
                "neither encrypted nor tagged, so anyone on the path can read or rewrite the models unnoticed;\n"
                "every peer must agree");
  auto flags = std::make_shared<TrainingFlags>(*app);
  commands.push_back({app, [options, flags] {
    PeerOptions run = *options;
    if (run.id < 0) run.id = id_from_environment();
    run.overrides = flags->overrides();
    return run_peer(run);
  }});
}

void add_launch_command(CLI::App& parent, std::vector<Command>& commands) {
  CLI::App* app = parent.add_subcommand("launch", "Start every peer of a topology file that lives on this machine");
  app->footer(
      "Each local peer runs as its own process (`gossip peer`) and they train over TCP on loopback,\n"
      "exactly as across VMs. Keys are made under RUN/keys when the file has none. Progress shows\n"
      "the slowest peer's round, mean loss and test accuracy, the consensus-error estimate from the\n"
      "peers' sketches, and traffic. Ctrl-C stops every peer; --resume continues from checkpoints.\n"
      "Examples:\n"
      "  gossip launch examples/ring8_fashion_mnist.json\n"
      "  gossip launch examples/ring8_fashion_mnist.json --rounds 50 --partition iid --run-dir runs/iid\n"
      "  gossip launch --graph exponential --peers 16 --rounds 300      no file: 16 local peers\n"
      "  gossip launch --graph torus --rows 4 --cols 4 --task logistic\n"
      "  gossip launch --resume --run-dir runs/iid\n"
      "  gossip launch examples/ring8_fashion_mnist.json --device cuda   every peer on a GPU, the GPUs in turn\n"
      "  gossip launch --graph ring --peers 8 -- python3 train.py    each peer runs your script (gossip.Peer)");
  auto options = std::make_shared<LaunchOptions>();
  app->add_option("topology", options->topology_path, "Topology file (JSON); optional with --resume");
  app->add_option("--run-dir", options->run_dir, "Run directory (default: runs/<file>-<date>-<time>)");
  app->add_flag("--resume", options->resume, "Continue the run in --run-dir from its newest common checkpoint");
  app->add_flag("--plaintext", options->plaintext,
                "Trusted networks only: peers authenticated at the handshake, records after it neither encrypted nor tagged");
  app->add_option("--device", options->device,
                  "Every local peer's device over the file's: cpu, cuda (the GPUs in turn) or cuda:N");
  auto graph = std::make_shared<GenerateOptions>();
  CLI::Option_group* built_in = app->add_option_group("Graph", "A built-in graph on this machine, instead of a file");
  built_in->add_option("--graph", graph->kind, "One of: " + generated_graph_kinds());
  built_in->add_option("--peers,-n", graph->peers, "Number of peers (torus: --rows x --cols)")->check(CLI::Range(1, 4096));
  built_in->add_option("--rows", graph->rows, "Torus rows")->check(CLI::PositiveNumber);
  built_in->add_option("--cols", graph->cols, "Torus columns")->check(CLI::PositiveNumber);
  built_in->add_option("--base-port", graph->base_port, "Peer i listens on 127.0.0.1:base-port + i")
      ->capture_default_str()->check(CLI::Range(1, 65535));
  auto flags = std::make_shared<TrainingFlags>(*app);
  commands.push_back({app, [options, flags, graph] {
    LaunchOptions run = *options;
    run.overrides = flags->overrides();
    run.program = trailing_program();
    if (!graph->kind.empty()) {
      run.graph = *graph;
      if (run.overrides.contains("seed")) run.graph->seed = run.overrides["seed"].get<uint64_t>();
    } else if (graph->peers || graph->rows || graph->cols) {
      throw ConfigError("--peers, --rows and --cols go with --graph KIND");
    }
    return launch(run);
  }, true});
}

}  // namespace gossip::tools
