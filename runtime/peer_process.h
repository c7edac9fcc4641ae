// One peer as its own process: what `gossip peer` runs on every VM and what `gossip
// launch` starts once per local peer. It reads the topology file, resolves the settings,
// loads the peer's key and runs the peer loop (peer.h) over authenticated, encrypted TCP.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>  // setting overrides
#include <string>

#include "runtime/training_config.h"
#include "topology/topology_file.h"
#include "transport/identity.h"

namespace gossip {

struct PeerOptions {
  std::string topology_path;
  int id = -1;
  std::string key_path;                 // empty: default_key_path(topology_path, id)
  std::filesystem::path run_dir = "runs/latest";
  nlohmann::json overrides = nlohmann::json::object();  // over the file's `training`
  bool resume = false;
  bool overwrite = false;               // start afresh over this peer's metrics in run_dir (else refused)
  int64_t resume_round = -1;            // with resume: this checkpoint; -1: the newest
  bool plaintext = false;               // no encryption (authentication stays): trusted networks only
  std::string device;                   // over the file's peers[id].device; empty: the file's
  std::function<void(const std::string&)> log;  // default: stderr
};

// What a peer starts from, checked: its file, key and resolved settings.
struct PreparedPeer {
  LoadedTopology loaded;
  Identity identity;
  TrainingConfig config;
  std::string device;  // resolved: "cpu" or "cuda:N"
};

// Reads the topology file, checks the id, resolves the device (compute_device.h), checks the hosts and run directory (refusing to
// start over metrics already there), loads the key, resolves the settings and writes
// RUN/peer-I/config.json and topology.json. Throws ConfigError naming what is wrong.
PreparedPeer prepare_peer(const PeerOptions& options);

// Runs the peer to the end. Returns 0; throws ConfigError on bad settings, files or keys
// and std::runtime_error when training diverges (a non-finite loss).
int run_peer(const PeerOptions& options);

}  // namespace gossip
