// `gossip`: one binary, one subcommand per job. Parsing lives here; the work lives in
// the libraries, and every error reaches the user as one line naming what is wrong.
#include "gossip/config.h"
#include "tools/command_line.h"
#if GOSSIP_HAVE_CUDA
#include "runtime/cuda/cuda_support.h"
#endif

int main(int argc, char** argv) {
#if GOSSIP_HAVE_CUDA
  gossip::register_cuda_support();  // peers with a "cuda" device train on a GPU
#endif
  CLI::App app{"gossip: decentralized peer-to-peer training. Peers train locally and mix models\n"
               "with their graph neighbours over authenticated, encrypted TCP; no central server."};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  gossip launch examples/ring8_fashion_mnist.json   train 8 local peers on a ring\n"
      "  gossip launch --graph exponential --peers 16      the same without a file\n"
      "  gossip peer vms.json --id 3                  one peer of a run across machines\n"
      "  gossip topo ring --peers 8 -o ring8.json     write a topology file\n"
      "  gossip topo show ring8.json                  peers, weights, spectral gap\n"
      "  gossip keygen --update ring8.json            identity keys for every peer\n"
      "  gossip topo compare --peers 8,16,64          spectral gaps of the built-in graphs\n"
      "  gossip bench link                            link throughput vs raw TCP and AEAD\n"
      "  gossip report runs/ring8                     an HTML page of a run's metrics\n"
      "  gossip watch runs/ring8                      follow a run in the terminal\n"
      "Run `gossip SUBCOMMAND --help` for every flag of a subcommand.");
  std::vector<gossip::tools::Command> commands;
  gossip::tools::add_launch_command(app, commands);
  gossip::tools::add_peer_command(app, commands);
  gossip::tools::add_report_command(app, commands);
  gossip::tools::add_watch_command(app, commands);
  gossip::tools::add_topo_commands(app, commands);
  gossip::tools::add_keygen_command(app, commands);
  gossip::tools::add_bench_commands(app, commands);
  gossip::tools::add_version_command(app, commands);
  return gossip::tools::run_command_line(app, commands, argc, argv);
}
