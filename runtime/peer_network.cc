#include "runtime/peer_network.h"

#include <netdb.h>

#include <set>

#include "common/config_error.h"

namespace gossip {

void check_hosts(const TopologyFile& file, const std::string& path) {
  std::set<std::string> resolved;
  for (const auto& peer : file.peers) {
    if (resolved.contains(peer.host)) continue;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int status = getaddrinfo(peer.host.c_str(), nullptr, &hints, &found);
    if (status != 0) {
      throw ConfigError(path + ": peers[" + std::to_string(peer.id) + "].host \"" + peer.host +
                        "\" is neither an address nor a name that resolves here (" + gai_strerror(status) + ")");
    }
    freeaddrinfo(found);
    resolved.insert(peer.host);
  }
}

std::array<uint8_t, 32> run_id_of(const TopologyFile& file) {
  std::vector<std::string> lines;
  for (const auto& peer : file.peers) {
    lines.push_back(std::to_string(peer.id) + " " + peer.host + ":" + std::to_string(peer.port) + " " +
                    peer.public_key);
  }
  return compute_run_id(file.seed, lines);
}

NetworkSettings peer_network_settings(std::size_t max_payload_bytes, std::vector<uint8_t> message_kinds, int late_rounds,
                                      int64_t first_round) {
  NetworkSettings settings;
  settings.max_message_bytes = max_payload_bytes + 4096;
  settings.message_kinds = std::move(message_kinds);
  settings.max_bytes_per_peer = (3 + (2 + late_rounds) * settings.message_kinds.size()) * settings.max_message_bytes;
  settings.late_rounds = late_rounds;
  settings.first_round = first_round;
  return settings;
}

TcpOptions tcp_options_for(const LoadedTopology& loaded, int self, const Identity& identity,
                           const NetworkSettings& settings) {
  const TopologyFile& file = loaded.file;
  if (self < 0 || self >= static_cast<int>(file.peers.size())) {
    throw ConfigError("--id " + std::to_string(self) + " is not a peer of the topology file (ids 0.." +
                      std::to_string(file.peers.size() - 1) + ")");
  }
  const PeerInfo& me = file.peers[self];
  if (me.public_key != to_hex(identity.public_key)) {
    throw ConfigError("the secret key given does not belong to peer " + std::to_string(self) +
                      ": its public key " + to_hex(identity.public_key).substr(0, 16) + "... differs from " +
                      (me.public_key.empty() ? std::string("the file's (none; run gossip keygen --update)")
                                             : "peers[" + std::to_string(self) + "].public_key " +
                                                   me.public_key.substr(0, 16) + "..."));
  }
  TcpOptions options;
  options.self = self;
  for (const auto& peer : file.peers) {
    options.peers.push_back({peer.host, static_cast<uint16_t>(peer.port), public_key_from_hex(peer.public_key)});
  }
  options.neighbours = loaded.topology.linked_peers(self);
  for (int peer : options.neighbours) {
    if (!options.peers[peer].public_key) {
      throw ConfigError("peers[" + std::to_string(peer) + "].public_key: neighbour " + std::to_string(peer) +
                        " of peer " + std::to_string(self) + " has no public key; run gossip keygen --update");
    }
  }
  options.identity = identity;
  options.run_id = run_id_of(file);
  options.plaintext = settings.plaintext;
  options.bind_host = settings.bind_host;
  options.max_message_bytes = settings.max_message_bytes;
  options.chunk_bytes = settings.chunk_bytes;
  options.handshake_timeout = settings.handshake_timeout;
  options.keepalive_interval = settings.keepalive_interval;
  options.dead_after = settings.dead_after;
  options.first_round = settings.first_round;
  options.inbox.kinds = settings.message_kinds;
  options.inbox.max_bytes_per_peer = settings.max_bytes_per_peer;
  options.inbox.late_rounds = settings.late_rounds;
  options.log = settings.log;
  return options;
}

}  // namespace gossip
