// What the CUDA runtime can see. Safe to call on machines without a GPU or driver.
#pragma once

#include <string>

namespace gossip::cuda {
// Number of usable GPUs; 0 when there is no driver or device.
int device_count();
// "3 GPUs: NVIDIA H100 ..." or why none is usable.
std::string describe_devices();
// Makes GPU `index` this thread's current device, for every allocation and kernel after it.
// Throws std::runtime_error naming the index and CUDA's reason when it cannot.
void use_device(int index);
}  // namespace gossip::cuda
