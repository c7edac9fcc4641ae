#include "kernels/dense.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "kernels/cuda/check.h"
#include "kernels/cuda/launch.h"

namespace gossip::cuda {
namespace {

void check_blas(cublasStatus_t status, const char* what) {
  if (status != CUBLAS_STATUS_SUCCESS) {
    throw std::runtime_error(std::string(what) + ": cuBLAS status " + std::to_string(static_cast<int>(status)));
  }
}

// One cuBLAS handle per thread, made on first use (it costs a context's worth of setup),
// with the default math mode: float products stay float32, never TF32, as on the CPU.
cublasHandle_t blas() {
  struct Handle {
    cublasHandle_t handle = nullptr;
    Handle() { check_blas(cublasCreate(&handle), "cublasCreate"); }
    ~Handle() { cublasDestroy(handle); }
  };
  thread_local Handle handle;
  return handle.handle;
}

__global__ void broadcast_bias_kernel(const float* bias, float* output, int outputs, std::size_t length) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    output[i] = bias[i % outputs];
  }
}

// One thread a row: the bias gradient is a row sum of grad_output, scaled.
__global__ void row_sums_kernel(const float* matrix, int rows, int columns, float scale, float* sums) {
  const int row = blockIdx.x * blockDim.x + threadIdx.x;
  if (row >= rows) return;
  float sum = 0;
  for (int column = 0; column < columns; ++column) sum += matrix[static_cast<std::size_t>(column) * rows + row];
  sums[row] = scale * sum;
}

__global__ void relu_forward_kernel(float* activations, std::size_t length) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    // Not fmaxf, which makes a NaN 0: the CPU's std::max keeps it, so a diverging model shows.
    if (activations[i] < 0.0f) activations[i] = 0.0f;
  }
}

__global__ void relu_backward_kernel(const float* activations, float* gradient, std::size_t length) {
  for (std::size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < length;
       i += static_cast<std::size_t>(blockDim.x) * gridDim.x) {
    if (!(activations[i] > 0.0f)) gradient[i] = 0.0f;
  }
}

struct Totals {
  double loss_sum;
  int correct;
  int bad_column;  // the first sample whose label is not below the class count, or batch
};

// One thread a sample (classes are few): the CPU's steps (kernels/cpu/dense.cc) column by
// column, the loss added in double.
__global__ void softmax_kernel(const float* logits, const uint8_t* labels, int classes, int batch, float* grad,
                               Totals* totals) {
  const int column = blockIdx.x * blockDim.x + threadIdx.x;
  if (column >= batch) return;
  const int label = labels[column];
  if (label >= classes) {
    atomicMin(&totals->bad_column, column);
    return;
  }
  const float* z = logits + static_cast<std::size_t>(column) * classes;
  int largest = 0;
  for (int k = 1; k < classes; ++k) largest = z[k] > z[largest] ? k : largest;
  const float shift = z[largest], label_logit = z[label];
  float exp_sum = 0;
  float* g = grad ? grad + static_cast<std::size_t>(column) * classes : nullptr;
  for (int k = 0; k < classes; ++k) {
    const float e = expf(z[k] - shift);
    exp_sum += e;
    if (g) g[k] = e;
  }
  atomicAdd(&totals->loss_sum, log(static_cast<double>(exp_sum)) - static_cast<double>(label_logit - shift));
  if (largest == label) atomicAdd(&totals->correct, 1);
  if (g) {
    const float per_sample = 1.0f / static_cast<float>(batch);
    const float normaliser = per_sample / exp_sum;
    for (int k = 0; k < classes; ++k) g[k] *= normaliser;
    g[label] -= per_sample;
  }
}

}  // namespace

void dense_forward(const float* weights, const float* bias, const float* input, float* output, int inputs,
                   int outputs, int batch) {
  check_dense_sizes("cuda::dense_forward", inputs, outputs, batch);
  const std::size_t length = static_cast<std::size_t>(outputs) * batch;
  if (length == 0) return;
  // The bias first and the product onto it (beta = 1), as the CPU does.
  broadcast_bias_kernel<<<blocks_for(length), kThreads>>>(bias, output, outputs, length);
  check_launch("cuda::dense_forward bias");
  if (inputs == 0) return;
  const float one = 1.0f;
  check_blas(cublasSgemm(blas(), CUBLAS_OP_N, CUBLAS_OP_N, outputs, batch, inputs, &one, weights, outputs, input,
                         inputs, &one, output, outputs),
             "cuda::dense_forward cublasSgemm");
}

void dense_backward(const float* weights, const float* input, const float* grad_output, float* grad_weights,
                    float* grad_bias, float* grad_input, int inputs, int outputs, int batch, float scale) {
  check_dense_sizes("cuda::dense_backward", inputs, outputs, batch);
  const float zero = 0.0f, one = 1.0f;
  const std::size_t weight_count = static_cast<std::size_t>(outputs) * inputs;
  if (batch == 0 && weight_count > 0) {  // an empty sum: zeros, without asking cuBLAS for k = 0
    check(cudaMemset(grad_weights, 0, weight_count * sizeof(float)), "cudaMemset");
  } else if (weight_count > 0) {
    check_blas(cublasSgemm(blas(), CUBLAS_OP_N, CUBLAS_OP_T, outputs, inputs, batch, &scale, grad_output, outputs,
                           input, inputs, &zero, grad_weights, outputs),
               "cuda::dense_backward cublasSgemm (weights)");
  }
  if (outputs > 0) {
    row_sums_kernel<<<(outputs + kThreads - 1) / kThreads, kThreads>>>(grad_output, outputs, batch, scale, grad_bias);
    check_launch("cuda::dense_backward bias");
  }
  if (grad_input != nullptr && inputs > 0 && batch > 0) {
    if (outputs == 0) {
      check(cudaMemset(grad_input, 0, static_cast<std::size_t>(inputs) * batch * sizeof(float)), "cudaMemset");
      return;
    }
    check_blas(cublasSgemm(blas(), CUBLAS_OP_T, CUBLAS_OP_N, inputs, batch, outputs, &one, weights, outputs,
                           grad_output, outputs, &zero, grad_input, inputs),
               "cuda::dense_backward cublasSgemm (input)");
  }
}

void relu_forward(float* activations, std::size_t length) {
  if (length == 0) return;
  relu_forward_kernel<<<blocks_for(length), kThreads>>>(activations, length);
  check_launch("cuda::relu_forward");
}

void relu_backward(const float* activations, float* gradient, std::size_t length) {
  if (length == 0) return;
  relu_backward_kernel<<<blocks_for(length), kThreads>>>(activations, gradient, length);
  check_launch("cuda::relu_backward");
}

cpu::SoftmaxCrossEntropy softmax_cross_entropy(const float* logits, const uint8_t* labels, int classes, int batch,
                                               float* grad_logits) {
  check_dense_sizes("cuda::softmax_cross_entropy", classes, classes, batch);
  Totals result{0.0, 0, batch};
  Totals* totals = result_slot<Totals>();
  check(cudaMemcpy(totals, &result, sizeof result, cudaMemcpyHostToDevice), "cudaMemcpy to the GPU");
  if (batch > 0) {
    softmax_kernel<<<(batch + kThreads - 1) / kThreads, kThreads>>>(logits, labels, classes, batch, grad_logits,
                                                                     totals);
    check_launch("cuda::softmax_cross_entropy");
  }
  check(cudaMemcpy(&result, totals, sizeof result, cudaMemcpyDeviceToHost), "cudaMemcpy from the GPU");
  if (result.bad_column < batch) {
    uint8_t label = 0;
    check(cudaMemcpy(&label, labels + result.bad_column, 1, cudaMemcpyDeviceToHost), "cudaMemcpy from the GPU");
    throw std::invalid_argument("cuda::softmax_cross_entropy: label " + std::to_string(label) + " of sample " +
                                std::to_string(result.bad_column) + " is not below the class count " +
                                std::to_string(classes));
  }
  return {result.loss_sum, result.correct};
}

}  // namespace gossip::cuda
