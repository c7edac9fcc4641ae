// The MLP on a GPU (CUDA builds only): the passes of runtime/tasks/mlp.h on the CUDA twins
// of the kernels, parameters, gradient, images and labels in device memory, scratch too.
// Its results agree with the CPU Mlp's to float rounding (tests/runtime/mlp_cuda_test.cc).
#pragma once

#include "kernels/cuda/device_buffer.h"
#include "runtime/tasks/mlp.h"

namespace gossip {

struct CudaDevice {
  static constexpr const char* kName = "CudaMlp";
  using Buffer = cuda::DeviceBuffer<float>;
  // Scratch only: what the buffer held is not kept.
  static void resize(Buffer& buffer, std::size_t size) { buffer = Buffer(size); }
  static constexpr auto dense_forward = &cuda::dense_forward;
  static constexpr auto dense_backward = &cuda::dense_backward;
  static constexpr auto relu_forward = &cuda::relu_forward;
  static constexpr auto relu_backward = &cuda::relu_backward;
  static constexpr auto softmax_cross_entropy = &cuda::softmax_cross_entropy;
};

using CudaMlp = BasicMlp<CudaDevice>;
extern template class BasicMlp<CudaDevice>;

}  // namespace gossip
