// The robust aggregators written once for any device (kernels/cpu_device.h,
// kernels/cuda/cuda_device.h) share this: the closed neighbourhood is chosen on the host,
// finite check included, as every aggregator's is; its vectors then go where Device's
// kernels read them. On the CPU that is each host vector itself and nothing moves; on a GPU
// each crosses once, into buffers kept from round to round, and every pass over them
// (Krum's distances, Weiszfeld's iterations) runs there. Past the device's limit on inputs
// (Device::kMaxInputs) an aggregator runs its CPU instance instead.
#pragma once

#include <span>
#include <vector>

#include "algorithms/aggregators/closed_neighbourhood.h"
#include "kernels/cpu_device.h"

namespace gossip {

template <typename Device>
class StagedVectors {
 public:
  static bool fit(const ClosedNeighbourhood& closed) { return closed.size() <= Device::kMaxInputs; }

  // Valid until the next stage().
  std::span<const float* const> stage(const ClosedNeighbourhood& closed, std::size_t length) {
    if (buffers_.size() < closed.size()) buffers_.resize(closed.size());
    pointers_.clear();
    for (std::size_t i = 0; i < closed.size(); ++i) {
      pointers_.push_back(Device::stage(std::span<const float>(closed.values[i], length), buffers_[i]).data());
    }
    return pointers_;
  }

 private:
  std::vector<typename Device::Buffer> buffers_;
  std::vector<const float*> pointers_;
};

// An aggregator's memory on one device: the staged vectors and two result buffers.
template <typename DeviceType>
struct Scratch {
  using Device = DeviceType;
  StagedVectors<Device> vectors;
  typename Device::Buffer result, next;
};

// Runs combine(scratch) with the scratch of Device, or of the CPU when the closed
// neighbourhood has more vectors than Device's kernels take; `combine` is generic in the
// scratch's Device.
template <typename Device>
class DeviceOrHost {
 public:
  template <typename Combine>
  void run(const ClosedNeighbourhood& closed, Combine&& combine) {
    if (StagedVectors<Device>::fit(closed)) {
      combine(device_);
    } else {
      combine(host_);
    }
  }

 private:
  Scratch<Device> device_;
  Scratch<CpuDevice> host_;
};

}  // namespace gossip
