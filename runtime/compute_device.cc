#include "runtime/compute_device.h"

#include <mutex>

#include "common/config_error.h"

namespace gossip {
namespace {

std::mutex& support_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::unique_ptr<GpuSupport>& registered() {
  static std::unique_ptr<GpuSupport> support;
  return support;
}

}  // namespace

void register_gpu_support(GpuSupport support) {
  std::lock_guard lock(support_mutex());
  registered() = support.device_count ? std::make_unique<GpuSupport>(std::move(support)) : nullptr;
}

const GpuSupport* gpu_support() {
  std::lock_guard lock(support_mutex());
  return registered().get();
}

std::string device_kind(const std::string& device) { return device.substr(0, device.find(':')); }

std::optional<int> gpu_index(const std::string& device) {
  if (device == "cpu") return std::nullopt;
  if (device.rfind("cuda:", 0) != 0) throw ConfigError("device \"" + device + "\" is not \"cpu\" or \"cuda:N\"");
  return std::stoi(device.substr(5));
}

int spread_gpu(const TopologyFile& file, int id, int gpus) {
  const std::string& host = file.peers[static_cast<size_t>(id)].host;
  int rank = 0;
  for (const PeerInfo& peer : file.peers) {
    if (peer.id == id) break;
    if (peer.host == host && peer.device == "cuda") ++rank;
  }
  return gpus > 0 ? rank % gpus : 0;
}

std::vector<int> channel_neighbours(const TopologyFile& file, std::span<const int> neighbours, int id, int gpu,
                                    int gpus) {
  std::vector<int> peers;
  const std::string& host = file.peers[static_cast<size_t>(id)].host;
  for (int neighbour : neighbours) {
    const PeerInfo& peer = file.peers[static_cast<size_t>(neighbour)];
    if (peer.host != host || peer.device == "cpu") continue;
    const int index = peer.device == "cuda" ? spread_gpu(file, neighbour, gpus) : *gpu_index(peer.device);
    if (index != gpu && index < gpus) peers.push_back(neighbour);
  }
  return peers;
}

std::string resolve_device(const TopologyFile& file, int id, const std::string& path, const std::string& requested) {
  const std::string field = requested.empty() ? path + ": peers[" + std::to_string(id) + "].device"
                                              : "--device (peer " + std::to_string(id) + ")";
  if (!requested.empty() && !is_device(requested)) {
    throw ConfigError("--device \"" + requested + "\": expected \"cpu\", \"cuda\" or \"cuda:N\"");
  }
  const std::string device = requested.empty() ? file.peers[static_cast<size_t>(id)].device : requested;
  if (device == "cpu") return device;
  const GpuSupport* support = gpu_support();
  if (!support) {
    throw ConfigError(field + " is \"" + device +
                      "\", but this program was built without CUDA (configure with -DGOSSIP_CUDA=ON where the CUDA "
                      "toolkit is); set it to \"cpu\"");
  }
  const int gpus = support->device_count();
  if (gpus == 0) {
    throw ConfigError(field + " is \"" + device + "\", but this machine has " + support->describe() +
                      "; set it to \"cpu\" or run the peer where a GPU is");
  }
  if (device == "cuda") return "cuda:" + std::to_string(spread_gpu(file, id, gpus));
  const int index = *gpu_index(device);
  if (index >= gpus) {
    throw ConfigError(field + " is \"" + device + "\", but " + std::to_string(gpus) + " GPU" + (gpus == 1 ? " is" : "s are") +
                      " visible here (" + support->describe() + "; CUDA_VISIBLE_DEVICES limits them): use cuda:0.." +
                      "cuda:" + std::to_string(gpus - 1) + " or \"cuda\"");
  }
  return device;
}

}  // namespace gossip
