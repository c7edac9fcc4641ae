#include "kernels/cuda/device.h"

#include <cuda_runtime.h>

#include "kernels/cuda/check.h"

namespace gossip::cuda {

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return 0;
  }
  return count;
}

std::string describe_devices() {
  int count = 0;
  cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    return std::string("no usable GPU (") + cudaGetErrorString(status) + ")";
  }
  std::string text = std::to_string(count) + " GPU" + (count == 1 ? "" : "s");
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp properties{};
    if (cudaGetDeviceProperties(&properties, d) == cudaSuccess) {
      text += (d ? ", " : ": ") + std::string(properties.name);
    }
  }
  return text;
}

void use_device(int index) { check(cudaSetDevice(index), "cudaSetDevice(" + std::to_string(index) + ")"); }

}  // namespace gossip::cuda
