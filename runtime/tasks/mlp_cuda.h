// The MLP on a GPU (CUDA builds only): the passes of runtime/tasks/mlp.h on the CUDA twins
// of the kernels, parameters, gradient, images and labels in device memory, scratch too.
// Its results agree with the CPU Mlp's to float rounding (tests/runtime/mlp_cuda_test.cc).
#pragma once

#include "kernels/cuda/cuda_device.h"
#include "runtime/tasks/mlp.h"

namespace gossip {

using CudaMlp = BasicMlp<CudaDevice>;
extern template class BasicMlp<CudaDevice>;

}  // namespace gossip
