// Device channels over NCCL (transport/device_channels.h): one communicator of two ranks per
// link, nonblocking, so that joining and every exchange are waited on with a deadline and
// given up with ncclCommAbort instead of hanging on a neighbour that is gone. A frame goes
// from the caller's memory to pinned staging, to the GPU, through ncclSend and ncclRecv, and
// back the same way. NCCL needs the two ends on different GPUs.
#pragma once

#include <memory>

#include "transport/device_channels.h"

namespace gossip::nccl {

// Channels on GPU `device` (the peer's).
std::unique_ptr<DeviceChannelFactory> make_channel_factory(int device);

}  // namespace gossip::nccl
