// BasicTrainer<Device>: the Trainer (runtime/trainer.h) written once for either device,
// included where a device's instance is made (runtime/trainer.cc for the CPU,
// runtime/cuda/cuda_support.cc for a GPU). On the CPU, staging is a view of the host
// model and the steps are exactly the ones LocalSgd takes; on a GPU the model crosses to
// the device before a run of steps and back after it, and the gradient and momentum never leave.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/trainer.h"

namespace gossip {

template <typename Device>
class BasicTrainer final : public Trainer {
 public:
  BasicTrainer(Task& task, const TrainingConfig& config) : task_(task), size_(task.parameter_count()) {
    options_.momentum = static_cast<float>(config.momentum);
    options_.nesterov = config.nesterov;
    options_.weight_decay = static_cast<float>(config.weight_decay);
    Device::resize(gradient_, size_);
    if (config.momentum > 0) Device::zero(momentum_, size_);
  }

  BatchLoss step(std::span<float> model, double learning_rate) override {
    return steps(model, learning_rate, 1).front();
  }

  std::vector<BatchLoss> steps(std::span<float> model, double learning_rate, int count) override {
    check_size("step", model.size());
    std::vector<BatchLoss> losses;
    losses.reserve(static_cast<std::size_t>(std::max(count, 0)));
    const std::span<float> on_device = Device::stage(model, model_);
    for (int step_number = 0; step_number < count; ++step_number) {
      losses.push_back(task_.loss_and_gradient(on_device, std::span<float>(gradient_.data(), size_)));
      update(on_device, gradient_.data(), learning_rate, options_.weight_decay);
    }
    Device::unstage(on_device, model);
    return losses;
  }

  BatchLoss gradient(std::span<const float> at, std::span<float> out) override {
    check_size("gradient", at.size());
    check_size("gradient", out.size());
    const std::span<const float> on_device = Device::stage(at, model_);
    const std::span<float> target = Device::output(out, gradient_);
    const BatchLoss loss = task_.loss_and_gradient(on_device, target);
    if (options_.weight_decay != 0) Device::add_scaled(target.data(), options_.weight_decay, on_device.data(), size_);
    Device::unstage(target, out);
    return loss;
  }

  void momentum_step(std::span<float> model, std::span<const float> direction, double learning_rate) override {
    check_size("momentum_step", model.size());
    check_size("momentum_step", direction.size());
    const std::span<float> on_device = Device::stage(model, model_);
    const std::span<const float> along = Device::stage(direction, direction_);
    update(on_device, along.data(), learning_rate, 0.0f);
    Device::unstage(on_device, model);
  }

  Evaluation evaluate(std::span<const float> model) override {
    check_size("evaluate", model.size());
    return task_.evaluate(Device::stage(model, model_));
  }

  std::vector<float> optimizer_state() const override {
    return options_.momentum > 0 ? Device::download(momentum_) : std::vector<float>{};
  }

  void restore_optimizer(std::span<const float> state) override {
    const std::size_t expected = options_.momentum > 0 ? size_ : 0;
    if (state.size() != expected) {
      throw std::invalid_argument("optimizer state has " + std::to_string(state.size()) + " values, expected " +
                                  std::to_string(expected) + " (momentum on or off differs from the checkpointed run?)");
    }
    if (expected > 0) Device::upload(state, momentum_);
  }

 private:
  using Buffer = typename Device::Buffer;

  void check_size(const char* operation, std::size_t size) const {
    if (size != size_) {
      throw std::invalid_argument(std::string("Trainer::") + operation + ": " + std::to_string(size) +
                                  " values given, the task has " + std::to_string(size_) + " parameters");
    }
  }

  void update(std::span<float> model, const float* direction, double learning_rate, float weight_decay) {
    SgdOptions options = options_;
    options.learning_rate = static_cast<float>(learning_rate);
    options.weight_decay = weight_decay;
    Device::sgd_step(options, model.data(), direction, options_.momentum > 0 ? momentum_.data() : nullptr, size_);
  }

  Task& task_;
  std::size_t size_;
  SgdOptions options_;
  Buffer model_, direction_;  // the staged copies (unused on the CPU)
  Buffer gradient_, momentum_;
};

}  // namespace gossip
