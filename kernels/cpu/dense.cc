// Eigen packs the operands of every large product into buffers it allocates per call,
// on the stack up to this limit and from the heap above it (default 128 KiB). An MLP
// layer's buffers are a few hundred KiB, and glibc, depending on the sizes, may hand
// such blocks back to the kernel on free and fault them in again on the next product:
// up to 30% of a training step at some batch sizes. Up to 1 MiB per buffer (two per
// product) goes on the stack instead, so a step allocates nothing. Defined here only,
// before Eigen: products elsewhere keep Eigen's default (where another file instantiates
// the very same product, the linker keeps one copy; both are correct).
#define EIGEN_STACK_ALLOCATION_LIMIT (1 << 20)

#include "kernels/dense.h"

#include <Eigen/Core>  // matrix products through Map, and the thread count of those products
#include <algorithm>
#include <cmath>
#include <string>

namespace gossip {

void check_dense_sizes(const char* operation, int inputs, int outputs, int batch) {
  if (inputs < 0 || outputs < 0 || batch < 0) {
    throw std::invalid_argument(std::string(operation) + ": sizes must not be negative: inputs " +
                                std::to_string(inputs) + ", outputs " + std::to_string(outputs) + ", batch " +
                                std::to_string(batch));
  }
}

}  // namespace gossip

namespace gossip::cpu {
namespace {

using Matrix = Eigen::Map<Eigen::MatrixXf>;
using ConstMatrix = Eigen::Map<const Eigen::MatrixXf>;
using Vector = Eigen::Map<Eigen::VectorXf>;
using ConstVector = Eigen::Map<const Eigen::VectorXf>;

// Where OpenMP is on, Eigen's default is every core; peers are processes that share the
// cores, so a process starts at one thread until set_threads says otherwise.
[[maybe_unused]] const bool single_thread_default = [] {
  Eigen::setNbThreads(1);
  return true;
}();

}  // namespace

void dense_forward(const float* weights, const float* bias, const float* input, float* output, int inputs,
                   int outputs, int batch) {
  check_dense_sizes("dense_forward", inputs, outputs, batch);
  ConstMatrix w(weights, outputs, inputs);
  ConstMatrix x(input, inputs, batch);
  Matrix y(output, outputs, batch);
  // The bias goes in first and the product accumulates onto it, which saves a pass
  // over the output.
  y.colwise() = ConstVector(bias, outputs);
  y.noalias() += w * x;
}

void dense_backward(const float* weights, const float* input, const float* grad_output, float* grad_weights,
                    float* grad_bias, float* grad_input, int inputs, int outputs, int batch, float scale) {
  check_dense_sizes("dense_backward", inputs, outputs, batch);
  ConstMatrix x(input, inputs, batch);
  ConstMatrix dy(grad_output, outputs, batch);
  // Eigen folds the scalar into the product's alpha: no temporary.
  Matrix(grad_weights, outputs, inputs).noalias() = scale * dy * x.transpose();
  Vector(grad_bias, outputs) = scale * dy.rowwise().sum();
  if (grad_input != nullptr) {
    Matrix(grad_input, inputs, batch).noalias() = ConstMatrix(weights, outputs, inputs).transpose() * dy;
  }
}

// Plain loops: the compiler vectorises both (max and compare-and-mask), where Eigen
// 3.4's select() would not.
void relu_forward(float* activations, std::size_t length) {
  for (std::size_t i = 0; i < length; ++i) activations[i] = std::max(activations[i], 0.0f);
}

void relu_backward(const float* activations, float* gradient, std::size_t length) {
  for (std::size_t i = 0; i < length; ++i) gradient[i] = activations[i] > 0.0f ? gradient[i] : 0.0f;
}

SoftmaxCrossEntropy softmax_cross_entropy(const float* logits, const uint8_t* labels, int classes, int batch,
                                          float* grad_logits) {
  check_dense_sizes("softmax_cross_entropy", classes, classes, batch);
  SoftmaxCrossEntropy result;
  const float per_sample = batch > 0 ? 1.0f / static_cast<float>(batch) : 0.0f;
  for (int column = 0; column < batch; ++column) {
    const int label = labels[column];
    if (label >= classes) {
      throw std::invalid_argument("softmax_cross_entropy: label " + std::to_string(label) + " of sample " +
                                  std::to_string(column) + " is not below the class count " +
                                  std::to_string(classes));
    }
    const float* z = logits + static_cast<std::size_t>(column) * classes;
    const int largest = static_cast<int>(std::max_element(z, z + classes) - z);
    const float shift = z[largest];
    const float label_logit = z[label];  // read before grad_logits (which may alias z) is written
    float exp_sum = 0.0f;
    float* g = grad_logits ? grad_logits + static_cast<std::size_t>(column) * classes : nullptr;
    for (int k = 0; k < classes; ++k) {
      const float e = std::exp(z[k] - shift);
      exp_sum += e;
      if (g) g[k] = e;
    }
    // -log softmax(z)[label] = log(sum exp(z - shift)) - (z[label] - shift).
    result.loss_sum += std::log(static_cast<double>(exp_sum)) - static_cast<double>(label_logit - shift);
    result.correct += largest == label;
    if (g) {
      const float normaliser = per_sample / exp_sum;
      for (int k = 0; k < classes; ++k) g[k] *= normaliser;
      g[label] -= per_sample;
    }
  }
  return result;
}

void set_threads(int threads) {
  if (threads < 1) throw std::invalid_argument("set_threads: " + std::to_string(threads) + " threads, need at least 1");
#ifndef _OPENMP
  if (threads > 1) {
    throw std::invalid_argument("set_threads: " + std::to_string(threads) +
                                " threads asked for, but this build has no OpenMP, so 1 at most");
  }
#endif
  Eigen::setNbThreads(threads);
}

int threads() { return Eigen::nbThreads(); }

}  // namespace gossip::cpu
