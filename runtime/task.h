// The Task seam: what a peer trains. A task owns the model's shape and this peer's data
// shard; the runtime owns the parameters (one flat float buffer), the optimizer and the
// gossip. Built-ins: "mlp" (Fashion-MNIST), "logistic" and "least_squares" (synthetic,
// with a known optimum); a program linked against the library adds its own with
// register_task (see examples/).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "runtime/training_config.h"

namespace gossip {

struct TaskContext {
  int peer = 0;
  int peers = 1;
  const TrainingConfig& config;  // seed, batch size, partition, task_options
  // "cpu" or "cuda:N": where loss_and_gradient and evaluate find the parameters and
  // gradient, and where the task keeps its data (a GPU task uploads its shard once).
  std::string device = "cpu";
};

struct BatchLoss {
  double loss = 0;   // mean over the batch
  int correct = 0;   // for classifiers: right predictions in the batch
  int count = 0;     // samples in the batch
};

struct Evaluation {
  double loss = 0;
  std::optional<double> accuracy;  // classifiers only
  int samples = 0;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual size_t parameter_count() const = 0;
  // The starting model, the same on every peer: draw it from the run seed, not the peer.
  virtual void initial_parameters(std::span<float> parameters) = 0;
  // Loss at `parameters` on this peer's next minibatch; writes the gradient of the mean loss.
  // Both spans are in the device's memory (TaskContext::device), as are evaluate's; the
  // other members' spans are host memory.
  virtual BatchLoss loss_and_gradient(std::span<const float> parameters, std::span<float> gradient) = 0;
  // On held-out data that every peer shares, so peers' numbers compare.
  virtual Evaluation evaluate(std::span<const float> parameters) = 0;
  // The minimiser of the average objective, where it is known: the runtime reports the
  // distance to it.
  virtual std::optional<std::vector<float>> optimum() const { return std::nullopt; }
  // Whatever decides the next minibatches (sampler position, RNG): saved in checkpoints
  // so a resumed run draws the same batches. Throws ConfigError on a state it cannot read.
  virtual std::string save_state() const { return {}; }
  virtual void restore_state(const std::string& state) { (void)state; }
  // One line for the peer's log: shard size, label mix, ...
  virtual std::string describe() const { return {}; }
};

using TaskFactory = std::function<std::unique_ptr<Task>(const TaskContext&)>;

// Adds a task under `name` for a kind of device, "cpu" or "cuda" (replacing one of the same
// name and kind; an empty factory removes it). Call before run_peer.
void register_task(const std::string& name, TaskFactory factory, const std::string& device_kind = "cpu");
// The task for context.config.task on context.device. Throws ConfigError for an unknown
// name, listing the known ones, and for a task that has no implementation on that kind of
// device.
std::unique_ptr<Task> make_task(const TaskContext& context);

}  // namespace gossip
