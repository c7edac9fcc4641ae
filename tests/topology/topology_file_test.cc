#include <doctest/doctest.h>

#include "support/temp_dir.h"
#include "topology/properties.h"
#include "topology/topology_file.h"

using namespace gossip;

TEST_CASE("generated files round-trip through JSON and build the same topology") {
  testing::TempDir dir;
  for (std::string kind : {"ring", "torus", "exponential", "one_peer_exponential", "complete", "star"}) {
    GenerateOptions options{.kind = kind, .peers = 16, .host = "10.0.0.7", .base_port = 4000, .seed = 99};
    if (kind == "torus") options.rows = options.cols = 4;
    TopologyFile file = generate_topology_file(options);
    save_topology_file(file, dir.file(kind + ".json"));
    LoadedTopology loaded = load_topology(dir.file(kind + ".json"));
    INFO(kind);
    CHECK(to_json(loaded.file) == to_json(file));
    CHECK(loaded.file.seed == 99);
    CHECK(loaded.file.peers[15].port == 4015);
    CHECK(loaded.file.peers[15].host == "10.0.0.7");
    CHECK(loaded.topology.size() == 16);
    CHECK(loaded.topology.spectral_gap() > 0.0);
  }
}

TEST_CASE("a hand-written file: peers in any order, edge list, keys, devices, training settings") {
  testing::TempDir dir;
  std::string key(64, 'a');
  std::string path = dir.write("t.json", R"({
    "seed": 7,
    "peers": [
      {"id": 2, "host": "b", "port": 1, "device": "cuda:1"},
      {"id": 0, "host": "a", "port": 1, "public_key": ")" + key + R"("},
      {"id": 1, "host": "a", "port": 2, "device": "cuda"}
    ],
    "graph": {"kind": "edges", "edges": [[0, 1], [1, 2]]},
    "training": {"rounds": 100, "anything": ["kept", "as", "is"]}
  })");
  LoadedTopology loaded = load_topology(path);
  CHECK(loaded.file.peers[0].public_key == key);
  CHECK(loaded.file.peers[0].device == "cpu");
  CHECK(loaded.file.peers[2].device == "cuda:1");
  CHECK(loaded.file.training["rounds"] == 100);
  // Metropolis on the path 0 - 1 - 2: the middle has degree 2, so every edge weighs 1/3.
  CHECK(loaded.topology.weights(0).weight(0, 1) == doctest::Approx(1.0 / 3));
  CHECK(loaded.topology.weights(0).self_weight(0) == doctest::Approx(2.0 / 3));
  CHECK(loaded.topology.linked_peers(1) == std::vector<int>{0, 2});
}

TEST_CASE("an explicit weight matrix, symmetric and directed") {
  testing::TempDir dir;
  std::string peers = R"("peers": [{"id": 0, "host": "h", "port": 1}, {"id": 1, "host": "h", "port": 2},
                                   {"id": 2, "host": "h", "port": 3}])";
  LoadedTopology symmetric = load_topology(dir.write("s.json", "{" + peers + R"(, "graph": {"kind": "matrix",
      "matrix": [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25], [0.25, 0.25, 0.5]]}})"));
  CHECK(std::abs(symmetric.topology.spectral_gap() - 0.75) < 1e-12);
  // A directed cycle: doubly stochastic, not symmetric.
  LoadedTopology cycle = load_topology(dir.write("d.json", "{" + peers + R"(, "graph": {"kind": "matrix",
      "directed": true, "matrix": [[0.5, 0, 0.5], [0.5, 0.5, 0], [0, 0.5, 0.5]]}})"));
  CHECK(cycle.topology.in_neighbours(0, 0) == std::vector<int>{2});
  CHECK(cycle.topology.out_neighbours(0, 0) == std::vector<int>{1});
  CHECK(max_asymmetry(cycle.topology.weights(0)) == 0.5);
}

TEST_CASE("every shipped example file loads") {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(GOSSIP_SOURCE_DIR "/examples")) {
    if (entry.path().extension() != ".json") continue;
    INFO(entry.path().string());
    CHECK_NOTHROW(load_topology(entry.path().string()));
    ++count;
  }
  CHECK(count >= 2);
}
