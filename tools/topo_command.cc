#include <cstdio>

#include "tools/command.h"
#include "tools/topo_report.h"
#include "topology/topology_file.h"

namespace gossip::tools {
namespace {

void add_generate(CLI::App& topo, std::vector<Command>& commands) {
  auto options = std::make_shared<GenerateOptions>();
  auto output = std::make_shared<std::string>();
  // Not ->required(): CLI11 would then demand a kind for `topo show` too.
  topo.add_option("kind", options->kind, "Graph to build: " + generated_graph_kinds());
  topo.add_option("--peers,-n", options->peers, "Number of peers (torus: rows x cols)")
      ->check(CLI::Range(1, kMaxGeneratedPeers));
  topo.add_option("--rows", options->rows, "Torus rows")->check(CLI::PositiveNumber);
  topo.add_option("--cols", options->cols, "Torus columns")->check(CLI::PositiveNumber);
  topo.add_option("--host", options->host, "Host of every peer")->capture_default_str();
  topo.add_option("--hosts", options->hosts,
                  "Hosts, comma separated: peer i on host i mod H, port base-port + i / H (replaces --host)")
      ->delimiter(',')
      ->excludes("--host");
  topo.add_option("--base-port", options->base_port, "Peer i listens on base-port + i")->capture_default_str()
      ->check(CLI::Range(1, 65535));
  topo.add_option("--seed", options->seed, "Seed shared by every peer (data split, sketches)")->capture_default_str();
  topo.add_option("-o,--output", *output, "Topology file to write");
  commands.push_back({&topo, [options, output] {
    if (options->kind.empty()) throw ConfigError("topo: name a graph kind (" + generated_graph_kinds() + ") or a subcommand; see gossip topo --help");
    if (output->empty()) throw ConfigError("topo " + options->kind + ": give -o FILE, the topology file to write");
    resolve_generate_options(*options, "topo");
    TopologyFile file = generate_topology_file(*options);
    save_topology_file(file, *output);
    LoadedTopology loaded = load_topology(*output);
    const std::string where = options->hosts.empty() ? options->host : std::to_string(options->hosts.size()) + " hosts";
    std::printf("wrote %s: %s, %d peers on %s:%d.., spectral gap %.6g\n", output->c_str(),
                options->kind.c_str(), options->peers, where.c_str(), options->base_port,
                loaded.topology.spectral_gap());
    return 0;
  }});
}

void add_show(CLI::App& topo, std::vector<Command>& commands) {
  CLI::App* show = topo.add_subcommand("show", "Print peers, degrees, weights and spectral gap of a topology file");
  show->footer("Examples:\n  gossip topo show ring8.json\n  gossip topo show ring8.json --json | jq .spectral_gap");
  auto path = std::make_shared<std::string>();
  auto as_json = std::make_shared<bool>(false);
  show->add_option("file", *path, "Topology file")->required();
  show->add_flag("--json", *as_json, "Print one JSON object (keys peers, spectral_gap, weights, ...)");
  commands.push_back({show, [path, as_json] {
    LoadedTopology loaded = load_topology(*path);
    if (*as_json) {
      std::printf("%s\n", describe_topology(loaded).dump(2).c_str());
    } else {
      std::fputs(format_topology(loaded, *path).c_str(), stdout);
    }
    return 0;
  }});
}

void add_compare(CLI::App& topo, std::vector<Command>& commands) {
  CLI::App* compare = topo.add_subcommand(
      "compare", "Table of the built-in graphs: degree, spectral gap, rounds to shrink consensus error 1000x");
  compare->footer("Example:\n  gossip topo compare --peers 8,16,64,256");
  auto sizes = std::make_shared<std::vector<int>>(std::vector<int>{8, 16, 64});
  compare->add_option("--peers,-n", *sizes, "Network sizes, comma separated")->capture_default_str()
      ->delimiter(',')
      ->check(CLI::Range(2, 4096));
  commands.push_back({compare, [sizes] {
    std::fputs(compare_topologies(*sizes).c_str(), stdout);
    return 0;
  }});
}

}  // namespace

void add_topo_commands(CLI::App& parent, std::vector<Command>& commands) {
  CLI::App* topo = parent.add_subcommand("topo", "Write, inspect and compare topology files");
  topo->footer(
      "Examples:\n"
      "  gossip topo ring --peers 8 -o ring8.json\n"
      "  gossip topo torus --rows 4 --cols 4 --host 10.0.0.5 --base-port 29500 -o torus.json\n"
      "  gossip topo ring --peers 8 --hosts 10.0.0.5,10.0.0.6 -o ring8.json   (4 peers a VM)\n"
      "  gossip topo one_peer_exponential --peers 16 -o ope16.json\n"
      "  gossip topo show ring8.json --json\n"
      "Graphs given as an edge list or a weight matrix are written by hand: see the README.");
  add_generate(*topo, commands);
  add_show(*topo, commands);
  add_compare(*topo, commands);
}

}  // namespace gossip::tools
