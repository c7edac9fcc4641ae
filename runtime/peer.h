// The peer loop: one peer of a run from its first round to its last, over any Transport
// (TCP in `gossip peer`, the in-process one in tests). Each round (DESIGN.md), the
// algorithm's phases (algorithms/algorithm.h):
//   begin_round                     local steps, for rules that adapt first
//   for each of its message kinds:  encode, exchange with the neighbours of W(r), combine
//   end_round                       local steps, for rules that combine first
// and metrics, evaluation and checkpoints at their intervals. A neighbour that misses a
// round is left out of that round's combine; no wait lasts longer than the round timeout.
// The loop never names an update rule: the `algorithm` setting picks one from the registry.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "runtime/training_config.h"
#include "topology/topology.h"
#include "transport/transport.h"

namespace gossip {

struct PeerSetup {
  int id = 0;
  const Topology& topology;
  TrainingConfig config;
  std::filesystem::path run_dir;                // metrics, checkpoints and the final model go here
  std::function<void(const std::string&)> log;  // default: stderr, with the id and the time
  // Asked at the end of every round with the next round: true stops the peer there, with a
  // checkpoint to resume from (an interrupt, or a test's crash). Default: never.
  std::function<bool(int64_t next_round)> stop;
  std::filesystem::path log_copy = {};  // with the default log: every line also appended here (empty: not)
  std::string device = "cpu";            // resolved: "cpu" or "cuda:N" (runtime/compute_device.h)
};

class Peer {
 public:
  // Builds the task (the model, this peer's shard), its optimizer and the algorithm.
  // Throws ConfigError on settings the task or the algorithm refuse.
  explicit Peer(PeerSetup setup);
  ~Peer();

  // The model starts as the task's initial parameters, or from a checkpoint of this
  // peer in the run directory (-1: the newest). Throws ConfigError naming the file when it
  // belongs to another peer, other settings, or lacks or has a section it should not.
  void start_fresh();
  void resume(int64_t round = -1);
  int64_t first_round() const;
  // The largest payload the algorithm sends: a transport should refuse anything bigger.
  std::size_t max_payload_bytes() const;
  // The message kinds it exchanges (its rule's channels and the goodbye): a transport
  // should drop any other.
  std::vector<uint8_t> message_kinds() const;

  // Waits for its links (startup_timeout_seconds), runs every round from first_round()
  // to the end, writes the final model and says goodbye to its neighbours; returns true.
  // Returns false, with a checkpoint of the next round, when PeerSetup::stop asked it to
  // stop first, and false without one when its attack is to crash. Throws std::runtime_error when training diverges (a non-finite loss,
  // naming the round).
  bool run(Transport& transport);

  std::span<const float> model() const;
  // A line of the peer's log (PeerSetup::log).
  void log(const std::string& line) const;

  struct State;  // the loop's own, in peer.cc

 private:
  std::unique_ptr<State> state_;
};

}  // namespace gossip
