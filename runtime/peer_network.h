// Builds a peer's transport from the topology file: who its neighbours are, their
// addresses and keys, and the run id that keeps different runs apart.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "topology/topology_file.h"
#include "transport/tcp/tcp_transport.h"

namespace gossip {

struct NetworkSettings {
  bool plaintext = false;
  std::string bind_host;  // empty: the peer's host from the file
  std::size_t max_message_bytes = std::size_t{64} << 20;
  std::size_t chunk_bytes = std::size_t{256} << 10;
  std::chrono::milliseconds handshake_timeout{5000};
  std::chrono::milliseconds keepalive_interval{1000};
  std::chrono::milliseconds dead_after{5000};
  int64_t first_round = 0;  // a resumed peer starts at its checkpoint's round
  std::vector<uint8_t> message_kinds;  // the kinds this run uses (empty: any)
  std::size_t max_bytes_per_peer = 0;  // payload bytes held per sender (0: no bound)
  int late_rounds = 0;                 // InboxLimits::late_rounds
  std::function<void(const std::string&)> log;
};

// A peer's limits from its rule: messages up to the largest payload and a little framing
// (anything bigger is refused unread), only the rule's kinds, and what one neighbour may make
// it hold: a few messages of each kind (the current round, a couple ahead and the late
// window), whatever it sends.
NetworkSettings peer_network_settings(std::size_t max_payload_bytes, std::vector<uint8_t> message_kinds, int late_rounds,
                                      int64_t first_round);

// Throws ConfigError when the key does not belong to peer `self`, or a neighbour has no
// public key in the file.
TcpOptions tcp_options_for(const LoadedTopology& loaded, int self, const Identity& identity,
                           const NetworkSettings& settings);

std::array<uint8_t, 32> run_id_of(const TopologyFile& file);

// Every peer's host must be an address or a name that resolves here, or the peers that
// dial it would fail much later; throws ConfigError naming the file, the peer and the host.
void check_hosts(const TopologyFile& file, const std::string& path);

}  // namespace gossip
