// A peer's local optimizer: SGD with optional heavy-ball or Nesterov momentum and weight
// decay (PyTorch's torch.optim.SGD rule). The momentum buffer is the peer's own: it is
// never gossiped, and it is saved in checkpoints.
#pragma once

#include <span>
#include <vector>

#include "kernels/float_buffer.h"
#include "kernels/sgd_step.h"

namespace gossip {

class LocalSgd {
 public:
  LocalSgd(size_t parameter_count, double momentum, bool nesterov, double weight_decay);

  // One update of `parameters` with `gradient` at this learning rate.
  void step(std::span<float> parameters, std::span<const float> gradient, double learning_rate);
  // The same step without weight decay: for a direction that holds it already (gradient
  // tracking's tracked direction), so that only the momentum is added.
  void momentum_step(std::span<float> parameters, std::span<const float> direction, double learning_rate);
  double weight_decay() const { return options_.weight_decay; }

  // Empty without momentum.
  std::span<const float> state() const { return momentum_buffer_; }
  // Throws std::invalid_argument when the size differs from this optimizer's.
  void restore(std::span<const float> state);

 private:
  void update(std::span<float> parameters, std::span<const float> gradient, double learning_rate, float weight_decay);

  SgdOptions options_;
  FloatBuffer momentum_buffer_;
};

}  // namespace gossip
