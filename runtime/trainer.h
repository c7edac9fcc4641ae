// The Trainer seam: the peer's own computation on its device, the task's gradients, the
// optimizer's steps (algorithms/local_sgd.h's rule) and the evaluation. The peer loop and
// the update rules keep the model in host memory and hand it over; a trainer on a GPU keeps
// the model's device copy, the gradient, the optimizer's momentum and the task's data in
// device memory, so a run of steps moves the model across once each way and nothing else.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/task.h"
#include "runtime/training_config.h"

namespace gossip {

class Trainer {
 public:
  virtual ~Trainer() = default;
  // One optimizer step of `model` from the gradient on the next minibatch.
  virtual BatchLoss step(std::span<float> model, double learning_rate) = 0;
  // `count` steps in a row, with each one's batch loss: on a GPU the model crosses once
  // each way for all of them.
  virtual std::vector<BatchLoss> steps(std::span<float> model, double learning_rate, int count) = 0;
  // The gradient at `at` on the next minibatch, weight decay included, into `out`.
  virtual BatchLoss gradient(std::span<const float> at, std::span<float> out) = 0;
  // One optimizer step along `direction` (momentum, no weight decay: the direction holds it).
  virtual void momentum_step(std::span<float> model, std::span<const float> direction, double learning_rate) = 0;
  virtual Evaluation evaluate(std::span<const float> model) = 0;

  // The momentum buffer, in host memory (empty without momentum); restore throws
  // std::invalid_argument when the size differs.
  virtual std::vector<float> optimizer_state() const = 0;
  virtual void restore_optimizer(std::span<const float> state) = 0;
};

// The trainer for `task` on `device` ("cpu" or "cuda:N", resolved): the task must have
// been made for that device (TaskContext::device). Throws ConfigError when the device has
// no trainer in this program.
std::unique_ptr<Trainer> make_trainer(Task& task, const TrainingConfig& config, const std::string& device);

}  // namespace gossip
