#include <cstdio>
#include <filesystem>

#include "tools/command.h"
#include "topology/topology_file.h"
#include "transport/identity.h"

namespace gossip::tools {
namespace {

struct KeygenOptions {
  int peers = 0;
  int id = -1;
  std::string out_dir = "keys";
  std::string update;
  bool force = false;
};

int run_keygen(const KeygenOptions& options) {
  std::optional<LoadedTopology> loaded;
  if (!options.update.empty()) loaded = load_topology(options.update);
  int peers = options.peers ? options.peers : loaded ? static_cast<int>(loaded->file.peers.size()) : 0;
  if (peers <= 0) throw ConfigError("keygen: give --peers N, or --update FILE to take the peers from a topology file");
  if (loaded && peers != static_cast<int>(loaded->file.peers.size())) {
    throw ConfigError("keygen: --peers " + std::to_string(peers) + " but " + options.update + " has " +
                      std::to_string(loaded->file.peers.size()) + " peers");
  }
  if (options.id >= peers) {
    throw ConfigError("keygen: --id " + std::to_string(options.id) + " is not below --peers " + std::to_string(peers));
  }
  std::filesystem::create_directories(options.out_dir);
  for (int id = 0; id < peers; ++id) {
    if (options.id >= 0 && id != options.id) continue;
    std::string path = (std::filesystem::path(options.out_dir) / ("peer-" + std::to_string(id) + ".key")).string();
    bool keep = std::filesystem::exists(path) && !options.force;
    Identity identity = keep ? load_identity(path) : generate_identity();
    if (!keep) save_identity(identity, path);
    std::printf("peer %d: %s  %s%s\n", id, to_hex(identity.public_key).c_str(), path.c_str(),
                keep ? " (kept the existing key; --force replaces it)" : "");
    if (loaded) loaded->file.peers[id].public_key = to_hex(identity.public_key);
  }
  if (loaded) {
    save_topology_file(loaded->file, options.update);
    std::printf("wrote the public keys into %s\n", options.update.c_str());
  }
  return 0;
}

}  // namespace

void add_keygen_command(CLI::App& parent, std::vector<Command>& commands) {
  CLI::App* app = parent.add_subcommand("keygen", "Make Ed25519 identity keys for peers");
  app->footer(
      "Secret keys go to DIR/peer-I.key with mode 0600 and never into the topology file; public keys\n"
      "are printed, and written into the topology file with --update. Existing keys are kept unless --force.\n"
      "`gossip peer` finds its key with --key, else $GOSSIP_KEY_DIR/peer-I.key, else keys/peer-I.key\n"
      "beside the topology file.\n"
      "Examples:\n"
      "  gossip keygen --update ring8.json --out keys       one key per peer of the file\n"
      "  gossip keygen --peers 4 --id 2 --out /secure/keys  only peer 2's key, e.g. on its own VM");
  auto options = std::make_shared<KeygenOptions>();
  app->add_option("--peers,-n", options->peers, "Number of peers (default: those of --update FILE)")
      ->check(CLI::Range(1, 1 << 16));
  app->add_option("--id", options->id, "Only this peer's key")->check(CLI::NonNegativeNumber);
  app->add_option("--out", options->out_dir, "Directory for the secret keys")->capture_default_str();
  app->add_option("--update", options->update, "Topology file to write the public keys into");
  app->add_flag("--force", options->force, "Replace existing secret keys");
  commands.push_back({app, [options] { return run_keygen(*options); }});
}

}  // namespace gossip::tools
