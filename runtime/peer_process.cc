#include "runtime/peer_process.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>

#include "algorithms/message_kind.h"
#include "common/config_error.h"
#include "kernels/dense.h"
#include "runtime/checkpoint.h"
#include "runtime/compute_device.h"
#include "runtime/metrics_log.h"
#include "runtime/peer.h"
#include "runtime/peer_log.h"
#include "runtime/peer_network.h"
#include "runtime/run_directory.h"
#include "topology/topology_file.h"
#include "transport/device_link_transport.h"
#include "transport/identity.h"

namespace gossip {
namespace {

// SIGINT or SIGTERM: stop at the end of a round, with a checkpoint. `gossip launch` sends
// SIGTERM with the round every peer should stop before (sigqueue), so all of them
// checkpoint the same round and --resume continues exactly; a plain signal (Ctrl-C on a
// hand-started peer) stops at the end of the current round.
volatile std::sig_atomic_t interrupted = 0;
volatile std::sig_atomic_t stop_before_round = -1;

void on_interrupt(int, siginfo_t* info, void*) {
  if (info && info->si_code == SI_QUEUE && info->si_value.sival_int > 0) stop_before_round = info->si_value.sival_int;
  interrupted = 1;
}

bool asked_to_stop(int64_t next_round) {
  return interrupted && (stop_before_round < 0 || next_round >= stop_before_round);
}

}  // namespace

namespace {

// RUN/peer-I/config.json and topology.json: what this peer ran with (public keys only).
void write_peer_settings(const PeerOptions& options, const LoadedTopology& loaded, const TrainingConfig& config,
                         const std::string& device) {
  const auto dir = peer_directory(options.run_dir, options.id);
  std::filesystem::create_directories(dir);
  save_topology_file(loaded.file, (dir / "topology.json").string());
  const nlohmann::json settings{{"peer", options.id},
                                {"topology_source", std::filesystem::absolute(options.topology_path).string()},
                                {"resumed", options.resume},
                                {"device", device},
                                {"training", to_json(config)}};
  std::ofstream out(dir / "config.json");
  out << settings.dump(2) << "\n";
  if (!out) throw ConfigError("cannot write " + (dir / "config.json").string());
}

// The neighbours this peer reaches over device channels (NCCL): those on other GPUs of its
// host, when it is on a GPU, the run allows NCCL and this program has it.
std::vector<int> device_channel_peers(const PreparedPeer& prepared, int id) {
  const std::optional<int> gpu = gpu_index(prepared.device);
  const GpuSupport* support = gpu_support();
  if (!gpu || !prepared.config.nccl || !support || !support->channel_factory) return {};
  const std::vector<int> neighbours = prepared.loaded.topology.linked_peers(id);
  return channel_neighbours(prepared.loaded.file, neighbours, id, *gpu, support->device_count());
}

}  // namespace

PreparedPeer prepare_peer(const PeerOptions& options) {
  LoadedTopology loaded = load_topology(options.topology_path);
  const int peers = static_cast<int>(loaded.file.peers.size());
  if (options.id < 0 || options.id >= peers) {
    throw ConfigError("--id " + std::to_string(options.id) + " is not a peer of " + options.topology_path + " (ids 0.." +
                      std::to_string(peers - 1) + ")");
  }
  std::string device = resolve_device(loaded.file, options.id, options.topology_path, options.device);
  check_hosts(loaded.file, options.topology_path);
  // The key before the dataset: a wrong key is an input error found in a moment.
  const std::string key_path =
      options.key_path.empty() ? default_key_path(options.topology_path, options.id) : options.key_path;
  Identity identity = load_identity(key_path);
  const auto metrics = metrics_path(options.run_dir, options.id);
  if (!options.resume && !options.overwrite && std::filesystem::exists(metrics) && std::filesystem::file_size(metrics) > 0) {
    throw ConfigError(metrics.string() + " already holds " + std::to_string(read_metrics(metrics).size()) +
                      " rounds of this peer; add --resume to continue that run, --overwrite to start afresh over it "
                      "(its metrics are lost), or pick another --run-dir");
  }
  TrainingConfig config = parse_training_config(merge_training(loaded.file.training, options.overrides), loaded.file.seed);
  write_peer_settings(options, loaded, config, device);
  return {std::move(loaded), identity, std::move(config), std::move(device)};
}

int run_peer(const PeerOptions& options) {
  const PreparedPeer prepared = prepare_peer(options);
  const LoadedTopology& loaded = prepared.loaded;
  const TrainingConfig& config = prepared.config;
  cpu::set_threads(config.threads);
  interrupted = 0;
  stop_before_round = -1;
  struct sigaction action {};
  action.sa_sigaction = on_interrupt;
  action.sa_flags = SA_SIGINFO;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A peer started by hand keeps a copy of its log beside its resolved settings, so a run
  // gathered from several VMs is complete.
  Peer peer({options.id, loaded.topology, config, options.run_dir, options.log, asked_to_stop,
             default_log_copy(options.run_dir, options.id), prepared.device});
  if (options.resume) {
    peer.resume(options.resume_round);
  } else {
    peer.start_fresh();
  }

  const std::vector<int> channel_peers = device_channel_peers(prepared, options.id);
  std::vector<uint8_t> kinds = peer.message_kinds();
  if (!channel_peers.empty()) kinds.push_back(wire_kind(MessageKind::kDeviceSetup));
  NetworkSettings settings = peer_network_settings(peer.max_payload_bytes(), kinds, config.late_rounds, peer.first_round());
  settings.plaintext = options.plaintext;
  settings.log = [&peer](const std::string& line) { peer.log(line); };
  TcpTransport tcp(tcp_options_for(loaded, options.id, prepared.identity, settings));
  std::unique_ptr<DeviceChannelFactory> channels;
  std::unique_ptr<DeviceLinkTransport> device_links;
  if (!channel_peers.empty()) {
    channels = gpu_support()->channel_factory(*gpu_index(prepared.device));
    const auto patience = std::chrono::milliseconds(static_cast<int64_t>(config.round_timeout_seconds * 1000));
    device_links = std::make_unique<DeviceLinkTransport>(
        tcp, *channels,
        DeviceLinkOptions{channel_peers, peer.max_payload_bytes(), wire_kind(MessageKind::kDeviceSetup), patience,
                          std::min(patience, std::chrono::milliseconds(10000)), settings.log});
  }
  Transport& transport = device_links ? static_cast<Transport&>(*device_links) : tcp;
  if (peer.run(transport)) return 0;
  if (!interrupted) return 0;  // its attack was to leave: that is the run going as set
  if (checkpoint_rounds(checkpoint_directory(options.run_dir, options.id)).empty()) {
    peer.log("interrupted before its first checkpoint: start it again (with --overwrite)");
  } else {
    peer.log("interrupted: continue this peer with the same command and --resume");
  }
  return 130;
}

}  // namespace gossip
