// The layers of a multilayer perceptron: dense (fully connected) forward and backward,
// ReLU, and softmax cross-entropy. Everything is column-major with one sample per
// column: a layer's weights are outputs x inputs, its bias has outputs entries, and its
// activations are outputs x batch. Plain pointers and sizes, so a CUDA version can take
// the same signatures with device pointers.
//
// The CPU versions run their matrix products through Eigen; how many threads those
// products use is process-wide state (Eigen's own), set by cpu::set_threads. Eigen's
// packing buffers go on the calling thread's stack, up to 2 MiB per product, so call
// them from threads with the usual 8 MiB of stack (kernels/cpu/dense.cc says why).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>  // bad arguments throw std::invalid_argument

namespace gossip {
// Throws std::invalid_argument, "<operation>: sizes must not be negative: ...", for either
// device's layers.
void check_dense_sizes(const char* operation, int inputs, int outputs, int batch);
}  // namespace gossip

namespace gossip::cpu {

// output = weights * input + bias (broadcast over the columns).
// weights: outputs x inputs; input: inputs x batch; output: outputs x batch, which must
// not overlap the other arguments.
void dense_forward(const float* weights, const float* bias, const float* input, float* output, int inputs,
                   int outputs, int batch);

// The gradients of a dense layer, given the gradient of the loss with respect to its
// output (grad_output, outputs x batch):
//   grad_weights = scale * grad_output * input^T          (outputs x inputs, overwritten)
//   grad_bias    = scale * row sums of grad_output        (outputs, overwritten)
//   grad_input   = weights^T * grad_output                (inputs x batch, overwritten)
// grad_input may be null: the first layer has no use for it. `scale` lets a caller
// whose grad_output is the gradient of a sum turn it into the gradient of a mean.
void dense_backward(const float* weights, const float* input, const float* grad_output, float* grad_weights,
                    float* grad_bias, float* grad_input, int inputs, int outputs, int batch, float scale = 1.0f);

// activations = max(activations, 0), in place.
void relu_forward(float* activations, std::size_t length);
// gradient *= (activations > 0), where `activations` is relu_forward's output (the
// output is positive exactly where the input was).
void relu_backward(const float* activations, float* gradient, std::size_t length);

struct SoftmaxCrossEntropy {
  double loss_sum = 0;  // sum over the batch of -log softmax(logits)[label]
  int correct = 0;      // columns whose largest logit is the label's (the first largest on ties)
};

// Softmax cross-entropy of logits (classes x batch) against labels (batch values, each
// < classes). Writes d(mean loss)/d(logits), i.e. (softmax - one_hot) / batch, into
// grad_logits (classes x batch; may be null for evaluation only, may alias logits).
// Numerically stable: each column's maximum is subtracted before exponentiating.
// Throws std::invalid_argument on a label >= classes, naming both.
SoftmaxCrossEntropy softmax_cross_entropy(const float* logits, const uint8_t* labels, int classes, int batch,
                                          float* grad_logits);

// How many threads the matrix products above use; 1 by default, because peers are
// usually processes that already share the cores. More than 1 needs a build with
// OpenMP, else set_threads throws. Process-wide: call it before starting work, not
// while another thread runs a product.
void set_threads(int threads);
int threads();

}  // namespace gossip::cpu

namespace gossip::cuda {
// The same layers on device pointers (labels too), enqueued on the default stream. The
// products go through cuBLAS in float32 (no TF32), so they agree with the CPU's to float
// rounding, not bit for bit; softmax_cross_entropy waits for its totals, and throws as the
// CPU's does on a bad label. Where the softmax's grad_logits aliases logits, each sample's
// column is read before it is written, as on the CPU.
void dense_forward(const float* weights, const float* bias, const float* input, float* output, int inputs,
                   int outputs, int batch);
void dense_backward(const float* weights, const float* input, const float* grad_output, float* grad_weights,
                    float* grad_bias, float* grad_input, int inputs, int outputs, int batch, float scale = 1.0f);
void relu_forward(float* activations, std::size_t length);
void relu_backward(const float* activations, float* gradient, std::size_t length);
cpu::SoftmaxCrossEntropy softmax_cross_entropy(const float* logits, const uint8_t* labels, int classes, int batch,
                                               float* grad_logits);
}  // namespace gossip::cuda
