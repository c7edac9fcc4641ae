// The GPU side of a CUDA build: what `gossip` (tools/main.cc) registers at start-up so its
// peers can train on a GPU (runtime/compute_device.h): the device count and description,
// the trainer on a GPU, and the tasks that have a GPU implementation (the MLP).
#pragma once

namespace gossip {

void register_cuda_support();

}  // namespace gossip
