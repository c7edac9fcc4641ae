// Where a peer computes: the CPU, or one GPU ("cuda:N"). The runtime library builds and
// installs without CUDA; a CUDA build of `gossip` adds its GPU side once at start-up
// (register_gpu_support, called from runtime/cuda/cuda_support.h), so a program built
// without it trains on the CPU and refuses a GPU by name instead of quietly using the CPU.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "topology/topology_file.h"

namespace gossip {

class DeviceChannelFactory;
class Task;
class Trainer;
struct TrainingConfig;

struct GpuSupport {
  std::function<int()> device_count;       // usable GPUs; 0 when none is
  std::function<std::string()> describe;   // "1 GPU: NVIDIA H200", or why none is usable
  // The peer's trainer (runtime/trainer.h) on GPU `index`, for a task made on that GPU.
  std::function<std::unique_ptr<Trainer>(Task& task, const TrainingConfig& config, int index)> make_trainer;
  // Device channels (NCCL) on GPU `index` to neighbours on other GPUs of the host; empty
  // when the build has no NCCL.
  std::function<std::unique_ptr<DeviceChannelFactory>(int index)> channel_factory;
};

// Replaces what was registered; a default-constructed GpuSupport takes it away again.
void register_gpu_support(GpuSupport support);
// Null when this program has no GPU side.
const GpuSupport* gpu_support();

// The kind of a device, "cpu" or "cuda": what tasks and aggregators are registered by.
std::string device_kind(const std::string& device);

// N for "cuda:N", nothing for "cpu"; "cuda" is not resolved yet and throws.
std::optional<int> gpu_index(const std::string& device);

// The GPU that `device: "cuda"` gives peer `id`: the peers of its host that ask for
// "cuda", in id order, take the `gpus` visible GPUs in turn. `gossip launch` and a peer
// started by hand compute the same, so no flag has to carry it.
int spread_gpu(const TopologyFile& file, int id, int gpus);

// The neighbours of peer `id` (on GPU `gpu` of a host with `gpus` visible) that it reaches
// over device channels: those of its host whose own device is another GPU there. Both ends
// of a link compute the same from the same file.
std::vector<int> channel_neighbours(const TopologyFile& file, std::span<const int> neighbours, int id, int gpu, int gpus);

// Peer `id`'s device, "cpu" or "cuda:N": `requested` when not empty (the --device flag),
// else the file's peers[id].device. Throws ConfigError naming `path`, the peer and the
// field when the GPU cannot be used here: no GPU side in this build, no usable GPU (with
// CUDA's reason), or an index past the visible GPUs.
std::string resolve_device(const TopologyFile& file, int id, const std::string& path, const std::string& requested = "");

}  // namespace gossip
