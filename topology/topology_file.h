// The topology file: one JSON document that describes a whole run (peers, graph,
// weights, shared seed, training settings). The schema is documented in README.md.
#pragma once

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>  // the file format
#include <string>
#include <vector>

#include "common/config_error.h"
#include "topology/topology.h"

namespace gossip {

struct PeerInfo {
  int id = 0;
  std::string host;
  int port = 0;
  std::string public_key;  // 64 hex digits (Ed25519), or empty before `gossip keygen`
  std::string device = "cpu";  // "cpu", "cuda" or "cuda:N"
};

// The graph section. `kind` picks which of the other members apply.
struct GraphSpec {
  std::string kind = "ring";  // ring torus exponential one_peer_exponential complete star edges matrix
  int rows = 0, cols = 0;     // torus
  int center = 0;             // star
  bool directed = false;      // edges, matrix
  std::string weights;        // "metropolis" or "uniform"; empty: the kind's default
  std::vector<std::array<int, 2>> edges;     // edges: [from, to]
  std::vector<std::vector<double>> matrix;   // matrix: W by rows
};

struct TopologyFile {
  int version = 1;
  uint64_t seed = 1;
  std::vector<PeerInfo> peers;  // sorted by id, and ids are 0..n-1
  GraphSpec graph;
  nlohmann::json training = nlohmann::json::object();  // owned by the runtime's settings
};

// "cpu", "cuda" (a GPU the peer's host spreads its peers over) or "cuda:N".
bool is_device(const std::string& device);

// Reads the schema and checks the peers (ids, addresses, keys). Throws ConfigError
// naming the field, e.g. "peers[2].port: ...".
TopologyFile parse_topology_file(const nlohmann::json& document);

// Builds the mixing schedule and checks it: edges to unknown peers, self loops,
// negative weights, rows (and columns) that do not sum to 1, asymmetry in an
// undirected matrix, disconnected graphs, one-peer exponential with n not 2^k.
// Throws ConfigError naming the field and the peer or row.
Topology build_topology(const TopologyFile& file);

nlohmann::ordered_json to_json(const TopologyFile& file);
// The file's text: one line per peer, so a person can read and edit a large file.
std::string format_topology_file(const TopologyFile& file);

struct LoadedTopology {
  TopologyFile file;
  Topology topology;
};
// Reads, parses and builds; every error message starts with the path.
LoadedTopology load_topology(const std::string& path);
void save_topology_file(const TopologyFile& file, const std::string& path);

// What `gossip topo KIND` writes: n peers on host:base_port+i.
// The most peers `gossip topo` makes a file for (`launch` starts at most 4096 on one host).
inline constexpr int kMaxGeneratedPeers = 1 << 16;

struct GenerateOptions {
  std::string kind;
  int peers = 0;
  int rows = 0, cols = 0;
  std::string host = "127.0.0.1";
  // When given, the hosts peers are spread over: peer i on hosts[i % H], listening on
  // base_port + i / H (one host each: all on base_port). Replaces `host`.
  std::vector<std::string> hosts = {};
  int base_port = 29500;
  uint64_t seed = 1;
};
TopologyFile generate_topology_file(const GenerateOptions& options);

// Checks a graph asked for on the command line and fills in the torus's peer count; throws
// ConfigError starting with `command` ("topo", "launch --graph") naming what is missing.
void resolve_generate_options(GenerateOptions& options, const std::string& command);

// The kinds `gossip topo` and the file accept, for help texts.
const std::vector<std::string>& graph_kinds();
// Those a command line can make (all but edges and matrix, which need the file), as a list.
std::string generated_graph_kinds();

}  // namespace gossip
