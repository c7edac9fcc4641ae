#include "bench/kernel_operations.h"

#include <algorithm>
#include <stdexcept>

namespace gossip::bench {

KernelShapes::KernelShapes(const KernelBenchOptions& options)
    : length(options.length),
      weights(std::size_t{kDenseInputs} * kDenseOutputs),
      dense_input(std::size_t{kDenseInputs} * options.batch),
      dense_output(std::size_t{kDenseOutputs} * options.batch),
      logits(options.length / kSoftmaxClasses * kSoftmaxClasses),
      labels(options.length / kSoftmaxClasses),
      packed_bytes(4 * ((options.length * kQsgdBits + 31) / 32)),
      kept(std::max<std::size_t>(1, options.length * kTopKPerMille / 1000)) {}

void run_kernel_operation(const KernelSet& kernels, KernelOperation operation, const KernelBuffers& buffers,
                          const KernelBenchOptions& options) {
  const std::size_t n = options.length;
  const int batch = options.batch;
  switch (operation) {
    case KernelOperation::kWeightedSum: {
      const std::vector<double> weights(buffers.inputs.size(), 1.0 / static_cast<double>(buffers.inputs.size()));
      kernels.weighted_sum(buffers.inputs, weights, buffers.out, n);
      return;
    }
    case KernelOperation::kSgdStep:
      // A tiny rate keeps the parameters from drifting over the repetitions.
      kernels.sgd_step({1e-6f, 0.9f, 1e-4f, false}, buffers.parameters, buffers.inputs[0], buffers.momentum, n);
      return;
    case KernelOperation::kMedian:
      kernels.coordinate_median(buffers.inputs, buffers.out, n);
      return;
    case KernelOperation::kTrimmedMean:
      kernels.trimmed_mean(buffers.inputs, (buffers.inputs.size() - 1) / 2, buffers.out, n);
      return;
    case KernelOperation::kSquaredDistance:
      if (kernels.squared_distance(buffers.inputs[0], buffers.inputs[1 % buffers.inputs.size()], n) < 0) {
        throw std::logic_error("a squared distance below 0");
      }
      return;
    case KernelOperation::kAllFinite:
      if (!kernels.all_finite(buffers.inputs[0], n)) throw std::logic_error("benchmark data not finite");
      return;
    case KernelOperation::kRelu:
      kernels.relu_forward(buffers.out, n);
      return;
    case KernelOperation::kDenseForward:
      kernels.dense_forward(buffers.weights, buffers.bias, buffers.dense_input, buffers.dense_output, kDenseInputs,
                            kDenseOutputs, batch);
      return;
    case KernelOperation::kDenseBackward:
      kernels.dense_backward(buffers.weights, buffers.dense_input, buffers.grad_output, buffers.grad_weights,
                             buffers.grad_bias, buffers.grad_input, kDenseInputs, kDenseOutputs, batch, 1.0f / batch);
      return;
    case KernelOperation::kSoftmax:
      kernels.softmax_cross_entropy(buffers.logits, buffers.labels, kSoftmaxClasses,
                                    static_cast<int>(n / kSoftmaxClasses), buffers.grad_logits);
      return;
    case KernelOperation::kSignBits:
      kernels.sign_bits(buffers.inputs[0], n, buffers.packed);
      return;
    case KernelOperation::kQsgdCodes:
      kernels.qsgd_codes(buffers.inputs[0], n, 1000.0f, (1 << (kQsgdBits - 1)) - 1, kQsgdBits, 7, buffers.packed);
      return;
    case KernelOperation::kTopK:
      kernels.top_k_indices(buffers.inputs[0], n, std::max<std::size_t>(1, n * kTopKPerMille / 1000), buffers.indices);
      return;
    case KernelOperation::kSketch:
      if (kernels.sketch(buffers.inputs[0], n, kSketchRows, 5).size() != kSketchRows) throw std::logic_error("sketch size");
      return;
  }
}

}  // namespace gossip::bench
