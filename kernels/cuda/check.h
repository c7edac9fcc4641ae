// CUDA calls that fail throw, naming the operation and the runtime's reason, so a caller
// (a peer, a test, the benchmark) reports what broke instead of computing on garbage.
#pragma once

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace gossip::cuda {

inline void check(cudaError_t status, const std::string& what) {
  if (status != cudaSuccess) throw std::runtime_error(what + ": " + cudaGetErrorString(status));
}

// After a kernel launch: a bad configuration shows here, a fault in the kernel at the next
// synchronising call.
inline void check_launch(const std::string& kernel) { check(cudaGetLastError(), kernel + " launch failed"); }

}  // namespace gossip::cuda
