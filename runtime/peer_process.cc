#include "runtime/peer_process.h"

#include "common/config_error.h"
#include "kernels/dense.h"
#include "runtime/peer.h"
#include "runtime/peer_network.h"
#include "topology/topology_file.h"
#include "transport/identity.h"

namespace gossip {

int run_peer(const PeerOptions& options) {
  LoadedTopology loaded = load_topology(options.topology_path);
  const int peers = static_cast<int>(loaded.file.peers.size());
  if (options.id < 0 || options.id >= peers) {
    throw ConfigError("--id " + std::to_string(options.id) + " is not a peer of " + options.topology_path + " (ids 0.." +
                      std::to_string(peers - 1) + ")");
  }
  const TrainingConfig config =
      parse_training_config(merge_training(loaded.file.training, options.overrides), loaded.file.seed);
  cpu::set_threads(config.threads);
  Peer peer({options.id, loaded.topology, config, options.run_dir, options.log, nullptr});
  if (options.resume) {
    peer.resume(options.resume_round);
  } else {
    peer.start_fresh();
  }

  const std::string key_path =
      options.key_path.empty() ? default_key_path(options.topology_path, options.id) : options.key_path;
  NetworkSettings settings;
  settings.plaintext = options.plaintext;
  // The largest payload and a little framing; anything bigger is refused unread.
  settings.max_message_bytes = peer.max_payload_bytes() + 4096;
  settings.first_round = peer.first_round();
  settings.log = [&peer](const std::string& line) { peer.log(line); };
  TcpTransport transport(tcp_options_for(loaded, options.id, load_identity(key_path), settings));
  peer.run(transport);
  return 0;
}

}  // namespace gossip
