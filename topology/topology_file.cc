#include "topology/topology_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/json_parse.h"
#include "common/json_reader.h"

namespace gossip {
namespace {

bool is_hex_key(const std::string& key) {
  return key.size() == 64 &&
         std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isxdigit(c); });
}

PeerInfo parse_peer(const nlohmann::json& value, const std::string& path, int peer_count) {
  JsonReader reader(value, path);
  reader.reject_unknown({"id", "host", "port", "public_key", "device"});
  PeerInfo peer;
  peer.id = static_cast<int>(reader.integer("id", 0, peer_count - 1));
  peer.host = reader.string("host");
  if (peer.host.empty() || std::any_of(peer.host.begin(), peer.host.end(),
                                       [](unsigned char c) { return std::isspace(c); })) {
    reader.fail("host", "expected a host name or address, got \"" + peer.host + "\"");
  }
  peer.port = static_cast<int>(reader.integer("port", 1, 65535));
  peer.public_key = reader.string_or("public_key", "");
  if (!peer.public_key.empty() && !is_hex_key(peer.public_key)) {
    reader.fail("public_key", "expected 64 hex digits (an Ed25519 public key from `gossip keygen`), got \"" +
                                  peer.public_key + "\"");
  }
  peer.device = reader.string_or("device", "cpu");
  if (!is_device(peer.device)) {
    reader.fail("device", "expected \"cpu\", \"cuda\" or \"cuda:N\", got \"" + peer.device + "\"");
  }
  return peer;
}

std::vector<PeerInfo> parse_peers(const JsonReader& top) {
  const auto& list = top.array("peers");
  if (list.empty()) top.fail("peers", "the list is empty: a run needs at least one peer");
  const int count = static_cast<int>(list.size());
  std::vector<PeerInfo> peers;
  std::map<int, size_t> index_of_id;
  std::map<std::string, size_t> index_of_address, index_of_key;
  for (size_t k = 0; k < list.size(); ++k) {
    std::string path = "peers[" + std::to_string(k) + "]";
    PeerInfo peer = parse_peer(list[k], path, count);
    if (auto [it, fresh] = index_of_id.emplace(peer.id, k); !fresh) {
      throw ConfigError(path + ".id: duplicate id " + std::to_string(peer.id) + " (also peers[" +
                        std::to_string(it->second) + "])");
    }
    std::string address = peer.host + ":" + std::to_string(peer.port);
    if (auto [it, fresh] = index_of_address.emplace(address, k); !fresh) {
      throw ConfigError(path + ": duplicate address " + address + " (also peers[" +
                        std::to_string(it->second) + "], id " +
                        std::to_string(peers[it->second].id) + ")");
    }
    // One key, one identity: a key-holder posing as two peers would defeat robust
    // aggregation's bound on malicious neighbours.
    if (!peer.public_key.empty()) {
      if (auto [it, fresh] = index_of_key.emplace(peer.public_key, k); !fresh) {
        throw ConfigError(path + ".public_key: the same key as peers[" + std::to_string(it->second) +
                          "]; every peer needs its own");
      }
    }
    peers.push_back(std::move(peer));
  }
  // Ids are unique and in 0..n-1, so they are exactly 0..n-1: sort them into place.
  std::sort(peers.begin(), peers.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return peers;
}

GraphSpec parse_graph(const JsonReader& top) {
  JsonReader reader(top.member("graph"), "graph");
  GraphSpec graph;
  graph.kind = reader.string("kind");
  const auto& kinds = graph_kinds();
  if (std::find(kinds.begin(), kinds.end(), graph.kind) == kinds.end()) {
    std::string names;
    for (const auto& kind : kinds) names += (names.empty() ? "" : ", ") + kind;
    reader.fail("kind", "unknown graph kind \"" + graph.kind + "\" (known: " + names + ")");
  }
  if (graph.kind == "torus") {
    reader.reject_unknown({"kind", "rows", "cols", "weights"});
    graph.rows = static_cast<int>(reader.integer("rows", 1, 1 << 20));
    graph.cols = static_cast<int>(reader.integer("cols", 1, 1 << 20));
  } else if (graph.kind == "star") {
    reader.reject_unknown({"kind", "center", "weights"});
    graph.center = static_cast<int>(reader.integer_or("center", 0, 0, 1 << 20));
  } else if (graph.kind == "edges") {
    reader.reject_unknown({"kind", "edges", "directed", "weights"});
    graph.directed = reader.boolean_or("directed", false);
    const auto& edges = reader.array("edges");
    for (size_t e = 0; e < edges.size(); ++e) {
      const auto& edge = edges[e];
      bool ok = edge.is_array() && edge.size() == 2 && edge[0].is_number_integer() &&
                edge[1].is_number_integer();
      if (!ok) {
        reader.fail("edges[" + std::to_string(e) + "]",
                    "expected a pair of peer ids [from, to], got " + brief(edge));
      }
      // Clamp before narrowing so a huge id still reads as unknown, not as a wrapped one.
      auto id = [](const nlohmann::json& v) {
        return static_cast<int>(std::clamp<int64_t>(v.get<int64_t>(), -1, 1 << 30));
      };
      graph.edges.push_back({id(edge[0]), id(edge[1])});
    }
  } else if (graph.kind == "matrix") {
    reader.reject_unknown({"kind", "matrix", "directed"});
    graph.directed = reader.boolean_or("directed", false);
    const auto& rows = reader.array("matrix");
    for (size_t i = 0; i < rows.size(); ++i) {
      std::string row_path = "matrix[" + std::to_string(i) + "]";
      if (!rows[i].is_array()) reader.fail(row_path, "expected an array of weights, got " + brief(rows[i]));
      std::vector<double> row;
      for (size_t j = 0; j < rows[i].size(); ++j) {
        if (!rows[i][j].is_number()) {
          reader.fail(row_path + "[" + std::to_string(j) + "]", "expected a number, got " + brief(rows[i][j]));
        }
        row.push_back(rows[i][j].get<double>());
      }
      graph.matrix.push_back(std::move(row));
    }
  } else {
    reader.reject_unknown({"kind", "weights"});
  }
  if (graph.kind != "matrix") {
    graph.weights = reader.string_or("weights", "");
    if (!graph.weights.empty() && graph.weights != "metropolis" && graph.weights != "uniform" &&
        graph.weights != "out_uniform") {
      reader.fail("weights", "expected \"metropolis\", \"uniform\" or \"out_uniform\", got \"" + graph.weights + "\"");
    }
  }
  return graph;
}

// Turns a byte offset from the JSON parser into "line L, column C".
std::string line_and_column(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
  size_t line_start = text.rfind('\n', offset ? offset - 1 : 0);
  size_t column = offset - (line_start == std::string::npos || offset == 0 ? 0 : line_start + 1);
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

}  // namespace

bool is_device(const std::string& device) {
  if (device == "cpu" || device == "cuda") return true;
  if (device.rfind("cuda:", 0) != 0 || device.size() == 5 || device.size() > 8) return false;
  return std::all_of(device.begin() + 5, device.end(), [](unsigned char c) { return std::isdigit(c); });
}

const std::vector<std::string>& graph_kinds() {
  static const std::vector<std::string> kinds = {
      "ring", "torus", "exponential", "one_peer_exponential", "complete", "star", "edges", "matrix"};
  return kinds;
}

TopologyFile parse_topology_file(const nlohmann::json& document) {
  JsonReader top(document, "");
  top.reject_unknown({"version", "seed", "peers", "graph", "training"});
  TopologyFile file;
  file.version = static_cast<int>(top.integer_or("version", 1, 1, 1));
  file.seed = top.unsigned_integer_or("seed", 1);
  file.peers = parse_peers(top);
  file.graph = parse_graph(top);
  if (top.has("training")) {
    file.training = top.member("training");
    if (!file.training.is_object()) {
      top.fail("training", "expected a JSON object of settings, got " + brief(file.training));
    }
  }
  return file;
}

nlohmann::ordered_json to_json(const TopologyFile& file) {
  nlohmann::ordered_json peers = nlohmann::ordered_json::array();
  for (const auto& peer : file.peers) {
    nlohmann::ordered_json entry = {{"id", peer.id}, {"host", peer.host}, {"port", peer.port}};
    if (!peer.public_key.empty()) entry["public_key"] = peer.public_key;
    entry["device"] = peer.device;
    peers.push_back(std::move(entry));
  }
  const GraphSpec& spec = file.graph;
  nlohmann::ordered_json graph = {{"kind", spec.kind}};
  if (spec.kind == "torus") {
    graph["rows"] = spec.rows;
    graph["cols"] = spec.cols;
  }
  if (spec.kind == "star") graph["center"] = spec.center;
  if (spec.kind == "edges" || spec.kind == "matrix") graph["directed"] = spec.directed;
  if (spec.kind == "edges") graph["edges"] = spec.edges;
  if (spec.kind == "matrix") graph["matrix"] = spec.matrix;
  if (!spec.weights.empty()) graph["weights"] = spec.weights;
  nlohmann::ordered_json out;
  out["version"] = file.version;
  out["seed"] = file.seed;
  out["peers"] = peers;
  out["graph"] = graph;
  out["training"] = file.training;
  return out;
}

std::string format_topology_file(const TopologyFile& file) {
  nlohmann::ordered_json document = to_json(file);
  std::string text = "{\n";
  for (auto it = document.begin(); it != document.end(); ++it) {
    text += "  \"" + it.key() + "\": ";
    if (it.key() == "peers") {
      text += "[\n";
      for (size_t k = 0; k < it->size(); ++k) {
        text += "    " + (*it)[k].dump() + (k + 1 < it->size() ? ",\n" : "\n");
      }
      text += "  ]";
    } else {
      std::string value = it->dump(2);
      for (size_t at = value.find('\n'); at != std::string::npos; at = value.find('\n', at + 3)) {
        value.insert(at + 1, "  ");
      }
      text += value;
    }
    text += std::next(it) == document.end() ? "\n" : ",\n";
  }
  return text + "}\n";
}

LoadedTopology load_topology(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot open the topology file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (json_depth(text) > kMaxJsonDepth) {
    throw ConfigError(path + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    std::string what = error.what();
    // nlohmann's message reads "[json.exception.parse_error.101] parse error at line ...: why".
    auto colon = what.find(": ", what.find("parse error"));
    throw ConfigError(path + ": not valid JSON at " + line_and_column(text, error.byte ? error.byte - 1 : 0) +
                      (colon == std::string::npos ? "" : ": " + what.substr(colon + 2)));
  }
  try {
    TopologyFile file = parse_topology_file(document);
    Topology topology = build_topology(file);
    return {std::move(file), std::move(topology)};
  } catch (const ConfigError& error) {
    throw ConfigError(path + ": " + error.what());
  }
}

void save_topology_file(const TopologyFile& file, const std::string& path) {
  // Write beside the target and rename, so a failed write never leaves half a file.
  std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) throw ConfigError(path + ": cannot write the topology file");
    out << format_topology_file(file);
    if (!out.flush()) throw ConfigError(path + ": writing the topology file failed");
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) throw ConfigError(path + ": cannot write the topology file: " + error.message());
}

std::string generated_graph_kinds() {
  std::string text;
  for (const auto& kind : graph_kinds()) {
    if (kind != "edges" && kind != "matrix") text += (text.empty() ? "" : ", ") + kind;
  }
  return text;
}

void resolve_generate_options(GenerateOptions& options, const std::string& command) {
  if (options.kind.empty()) throw ConfigError(command + ": name a graph kind (" + generated_graph_kinds() + ")");
  if (options.kind == "edges" || options.kind == "matrix") {
    throw ConfigError(command + " " + options.kind + ": write this graph into a topology file by hand; see the README");
  }
  const auto& kinds = graph_kinds();
  if (std::find(kinds.begin(), kinds.end(), options.kind) == kinds.end()) {
    throw ConfigError(command + ": unknown graph kind \"" + options.kind + "\" (known: " + generated_graph_kinds() + ")");
  }
  if (options.kind == "torus") {
    if (options.rows == 0 || options.cols == 0) throw ConfigError(command + " torus: give --rows and --cols (e.g. --rows 4 --cols 4)");
    const int64_t size = int64_t{options.rows} * options.cols;
    if (options.peers != 0 && options.peers != size) {
      throw ConfigError(command + " torus: --peers " + std::to_string(options.peers) + " but --rows x --cols = " +
                        std::to_string(size));
    }
    if (size > kMaxGeneratedPeers) {
      throw ConfigError(command + " torus: --rows x --cols = " + std::to_string(size) + " peers, more than " +
                        std::to_string(kMaxGeneratedPeers));
    }
    options.peers = static_cast<int>(size);
  } else if (options.peers == 0) {
    throw ConfigError(command + " " + options.kind + ": give --peers N");
  }
}

TopologyFile generate_topology_file(const GenerateOptions& options) {
  TopologyFile file;
  file.seed = options.seed;
  file.graph.kind = options.kind;
  file.graph.rows = options.rows;
  file.graph.cols = options.cols;
  if (static_cast<int>(options.hosts.size()) > options.peers) {
    throw ConfigError("--hosts: " + std::to_string(options.hosts.size()) + " hosts for " + std::to_string(options.peers) +
                      " peers; give at most one host a peer");
  }
  for (const std::string& host : options.hosts) {
    if (host.empty() || host.find_first_of(" \t") != std::string::npos) {
      throw ConfigError("--hosts: \"" + host + "\" is not a host name or address");
    }
  }
  const int hosts = options.hosts.empty() ? 1 : static_cast<int>(options.hosts.size());
  const int per_host = (options.peers + hosts - 1) / hosts;
  if (options.base_port < 1 || options.base_port + per_host - 1 > 65535) {
    throw ConfigError("--base-port " + std::to_string(options.base_port) + " with " + std::to_string(per_host) +
                      " peers on a host leaves the port range 1..65535");
  }
  for (int i = 0; i < options.peers; ++i) {
    if (options.hosts.empty()) {
      file.peers.push_back({i, options.host, options.base_port + i, "", "cpu"});
    } else {
      file.peers.push_back({i, options.hosts[i % hosts], options.base_port + i / hosts, "", "cpu"});
    }
  }
  build_topology(file);  // never write a file that would not load
  return file;
}

}  // namespace gossip
