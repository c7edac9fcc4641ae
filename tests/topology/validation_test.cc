// Every way a topology file can be wrong is rejected with a message that names the
// file, the field and the peer or row.
#include <doctest/doctest.h>

#include "support/temp_dir.h"
#include "topology/topology_file.h"

using namespace gossip;

namespace {

const std::string kThreePeers = R"("peers": [{"id": 0, "host": "h", "port": 1},
  {"id": 1, "host": "h", "port": 2}, {"id": 2, "host": "h", "port": 3}])";

// Loads `text` from a file and returns the error message (empty if it loaded).
std::string load_error(const std::string& text) {
  testing::TempDir dir;
  std::string path = dir.write("topology.json", text);
  try {
    load_topology(path);
  } catch (const ConfigError& error) {
    std::string message = error.what();
    CHECK(message.rfind(path + ": ", 0) == 0);  // every message starts with the file
    return message.substr(path.size() + 2);
  }
  return "";
}

std::string with_graph(const std::string& graph) { return "{" + kThreePeers + R"(, "graph": )" + graph + "}"; }

}  // namespace

TEST_CASE("duplicate peer ids") {
  CHECK(load_error(R"({"peers": [{"id": 0, "host": "h", "port": 1}, {"id": 0, "host": "h", "port": 2}],
                      "graph": {"kind": "ring"}})") == "peers[1].id: duplicate id 0 (also peers[0])");
}

TEST_CASE("duplicate host:port") {
  CHECK(load_error(R"({"peers": [{"id": 0, "host": "h", "port": 1}, {"id": 1, "host": "h", "port": 1}],
                      "graph": {"kind": "ring"}})") == "peers[1]: duplicate address h:1 (also peers[0], id 0)");
}

TEST_CASE("two peers with the same public key") {
  std::string key(64, 'b');
  CHECK(load_error(R"({"peers": [{"id": 0, "host": "h", "port": 1, "public_key": ")" + key +
                   R"("}, {"id": 1, "host": "h", "port": 2, "public_key": ")" + key + R"("}], "graph": {"kind": "ring"}})") ==
        "peers[1].public_key: the same key as peers[0]; every peer needs its own");
}

TEST_CASE("an edge to an unknown peer") {
  CHECK(load_error(with_graph(R"({"kind": "edges", "edges": [[0, 1], [1, 7]]})")) ==
        "graph.edges[1]: [1, 7] names peer 7, which is not in peers (ids 0..2)");
}

TEST_CASE("a self loop in an edge list") {
  CHECK(load_error(with_graph(R"({"kind": "edges", "edges": [[0, 1], [2, 2]]})")) ==
        "graph.edges[1]: [2, 2] is a self loop; a peer's own weight is implied, list only edges between peers");
}

TEST_CASE("a disconnected graph") {
  std::string four = R"({"peers": [{"id": 0, "host": "h", "port": 1}, {"id": 1, "host": "h", "port": 2},
    {"id": 2, "host": "h", "port": 3}, {"id": 3, "host": "h", "port": 4}],
    "graph": {"kind": "edges", "edges": [[0, 1], [2, 3]]}})";
  CHECK(load_error(four) ==
        "graph: not connected: peer 0 never reaches peers 2, 3, so their models can never agree with the rest");
  // Directed: everyone hears from 0, but 0 hears from nobody.
  CHECK(load_error(with_graph(R"({"kind": "matrix", "directed": true,
      "matrix": [[1, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5]]})")) ==
        "graph.matrix: column 0 (peer 0) sums to 2, not 1: W is not doubly stochastic, so gossip would not "
        "keep the peers' average");
}

TEST_CASE("a row that does not sum to 1: the row and its sum are printed") {
  CHECK(load_error(with_graph(R"({"kind": "matrix", "matrix": [[0.5, 0.25, 0.25], [0.25, 0.5, 0.15],
      [0.25, 0.15, 0.6]]})")) ==
        "graph.matrix: row 1 (peer 1) sums to 0.9, not 1 (tolerance 1e-9): [0.25, 0.5, 0.14999999999999999]");
}

TEST_CASE("negative weights") {
  CHECK(load_error(with_graph(R"({"kind": "matrix", "matrix": [[1.2, -0.1, -0.1], [-0.1, 0.6, 0.5],
      [-0.1, 0.5, 0.6]]})")) == "graph.matrix[0][1]: weight -0.1 is negative or not finite");
}

TEST_CASE("an asymmetric matrix where symmetry is required") {
  CHECK(load_error(with_graph(R"({"kind": "matrix", "matrix": [[0.5, 0.5, 0], [0, 0.5, 0.5], [0.5, 0, 0.5]]})")) ==
        "graph.matrix: not symmetric: W[0][1] = 0.5 but W[1][0] = 0; an undirected graph needs a symmetric "
        "matrix (set \"directed\": true otherwise)");
}

TEST_CASE("a directed W whose columns sum to 1 but not its rows loads (for push-sum), one with neither is refused") {
  // Peer i keeps 0.3, 0.5, 0.7 of its mass and sends the rest to i + 1.
  CHECK(load_error(with_graph(R"({"kind": "matrix", "directed": true,
                                  "matrix": [[0.3, 0, 0.3], [0.7, 0.5, 0], [0, 0.5, 0.7]]})")) == "");
  CHECK(load_error(with_graph(R"({"kind": "matrix", "directed": true,
                                  "matrix": [[0.3, 0, 0.3], [0.7, 0.5, 0], [0, 0.4, 0.7]]})"))
            .find("graph.matrix: row 0 (peer 0) sums to 0.6, not 1") == 0);
  // Undirected, a W must be symmetric and so doubly stochastic: no such exception.
  CHECK(load_error(with_graph(R"({"kind": "matrix", "matrix": [[0.3, 0, 0.3], [0.7, 0.5, 0], [0, 0.5, 0.7]]})"))
            .find("graph.matrix: row 0 (peer 0) sums to 0.6") == 0);
}

TEST_CASE("out_uniform weights split each peer's mass over itself and its out-neighbours: column stochastic") {
  testing::TempDir dir;
  const std::string path = dir.write("t.json", with_graph(R"({"kind": "edges", "directed": true,
      "edges": [[0, 1], [0, 2], [1, 2], [2, 0]], "weights": "out_uniform"})"));
  const LoadedTopology loaded = load_topology(path);
  const MixingMatrix& w = loaded.topology.weights(0);
  CHECK(w.weight(1, 0) == doctest::Approx(1.0 / 3));  // peer 0 sends to 1 and 2, keeps a third
  CHECK(w.weight(0, 0) == doctest::Approx(1.0 / 3));
  CHECK(w.weight(2, 1) == doctest::Approx(0.5));
  CHECK(w.weight(0, 2) == doctest::Approx(0.5));
  const Eigen::VectorXd columns = w.dense().colwise().sum();
  for (int j = 0; j < 3; ++j) CHECK(columns[j] == doctest::Approx(1.0));
  CHECK(w.dense().row(2).sum() == doctest::Approx(1.0 / 3 + 0.5 + 0.5));
}

TEST_CASE("one-peer exponential with n not a power of two: says so and what it costs") {
  std::string six = R"({"graph": {"kind": "one_peer_exponential"}, "peers": [)";
  for (int i = 0; i < 6; ++i) six += std::string(i ? "," : "") + R"({"id": )" + std::to_string(i) + R"(, "host": "h", "port": )" + std::to_string(i + 1) + "}";
  std::string message = load_error(six + "]}");
  CHECK(message.find("graph.kind: one_peer_exponential needs a power-of-two number of peers, the file has 6") == 0);
  CHECK(message.find("largest entry error of their product 0.0833333333333") != std::string::npos);
  CHECK(message.find("spectral gap of one period") != std::string::npos);
}

TEST_CASE("schema errors name the field and both values") {
  CHECK(load_error("{\n  \"peers\": [,]\n}").find("not valid JSON at line 2, column 12") == 0);
  CHECK(load_error(R"({"peers": [{"id": 0, "host": "h", "port": "x"}], "graph": {"kind": "ring"}})") ==
        "peers[0].port: expected an integer in 1..65535, got \"x\"");
  CHECK(load_error(R"({"peers": [{"id": 0, "host": "h", "port": 70000}], "graph": {"kind": "ring"}})") ==
        "peers[0].port: expected an integer in 1..65535, got 70000");
  CHECK(load_error(R"({"peers": [{"id": 3, "host": "h", "port": 1}], "graph": {"kind": "ring"}})") ==
        "peers[0].id: expected an integer in 0..0, got 3");
  CHECK(load_error(R"({"peers": [{"id": 0, "host": "h", "port": 1, "pubkey": "x"}], "graph": {"kind": "ring"}})") ==
        "peers[0].pubkey: unknown field (known here: id, host, port, public_key, device)");
  CHECK(load_error(R"({"peers": [{"id": 0, "host": "h", "port": 1, "public_key": "abc"}], "graph": {"kind": "ring"}})")
            .find("peers[0].public_key: expected 64 hex digits") == 0);
  CHECK(load_error(R"({"peers": [{"id": 0, "host": "h", "port": 1, "device": "gpu"}], "graph": {"kind": "ring"}})") ==
        "peers[0].device: expected \"cpu\", \"cuda\" or \"cuda:N\", got \"gpu\"");
  CHECK(load_error(R"({"peers": []})") == "peers: the list is empty: a run needs at least one peer");
  CHECK(load_error(with_graph(R"({"kind": "hypercube"})")).find("graph.kind: unknown graph kind \"hypercube\"") == 0);
  CHECK(load_error("{" + kThreePeers + "}") == "graph: missing (required)");
  CHECK(load_error(with_graph(R"({"kind": "torus", "rows": 2, "cols": 2})")) ==
        "graph: rows x cols = 2x2 = 4 peers, but the file has 3");
  CHECK(load_error(with_graph(R"({"kind": "ring", "weights": "magic"})")) ==
        "graph.weights: expected \"metropolis\", \"uniform\" or \"out_uniform\", got \"magic\"");
  CHECK(load_error(with_graph(R"({"kind": "star", "weights": "uniform"})")).find("graph.weights: uniform weights need") == 0);
  CHECK(load_error(with_graph(R"({"kind": "matrix", "matrix": [[1, 0], [0, 1]]})")) ==
        "graph.matrix: has 2 rows, but the file has 3 peers");
  CHECK(load_error(with_graph(R"({"kind": "ring"}, "seeed": 1)")).find("seeed: unknown field") == 0);
  CHECK(load_error(with_graph(R"({"kind": "ring"}, "training": 5)")) ==
        "training: expected a JSON object of settings, got 5");
}

TEST_CASE("a missing file is named") {
  CHECK_THROWS_WITH_AS(load_topology("/nonexistent/t.json"), "/nonexistent/t.json: cannot open the topology file",
                       ConfigError);
}
