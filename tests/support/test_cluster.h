// A topology file with keys for n peers on free loopback ports, in a temporary directory.
#pragma once

#include "support/free_ports.h"
#include "support/temp_dir.h"
#include "topology/topology_file.h"
#include "transport/identity.h"

namespace gossip::testing {

struct TestCluster {
  TempDir dir;
  std::string topology_path;
  TopologyFile file;

  TestCluster(const std::string& kind, int peers) {
    file = generate_topology_file({.kind = kind, .peers = peers});
    auto ports = free_ports(peers);
    for (int i = 0; i < peers; ++i) {
      Identity identity = generate_identity();
      save_identity(identity, key_path(i));
      file.peers[i].port = ports[i];
      file.peers[i].public_key = to_hex(identity.public_key);
    }
    topology_path = dir.file("topology.json");
    save_topology_file(file, topology_path);
  }
  std::string key_path(int peer) const { return dir.file("peer-" + std::to_string(peer) + ".key"); }
};

}  // namespace gossip::testing
