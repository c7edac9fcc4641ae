// The Fashion-MNIST MLP task: every peer loads the dataset, computes the same split from
// the run seed, keeps its own shard of the training set, and evaluates on the whole 10k
// test set so the peers' accuracies compare. Written once for either device:
// BasicMlpTask<CpuDevice, HostSamples> is the CPU's (runtime/tasks/mlp_task.cc), and
// BasicMlpTask<CudaDevice, DeviceSamples> the GPU's (runtime/cuda/), whose shard and test
// set are uploaded once and whose batches are gathered on the GPU.
#pragma once

#include <algorithm>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "common/config_error.h"
#include "runtime/data/batch_sampler.h"
#include "runtime/data/fashion_mnist.h"
#include "runtime/task.h"
#include "runtime/tasks/mlp.h"

namespace gossip {

// What the task is made from: the shape, this peer's shard and the test set, in host memory.
struct MlpTaskData {
  MlpShape shape;
  LabeledImages shard, test;
  std::vector<int> histogram;  // the shard's label counts
};

// Reads training.task_options, loads the dataset and takes this peer's shard (its labels
// flipped under the label_flip attack). Throws ConfigError on a bad option, a missing
// dataset, or a shard smaller than the batch.
MlpTaskData load_mlp_task_data(const TaskContext& context);

template <typename Device, typename Samples>
class BasicMlpTask final : public Task {
 public:
  static constexpr int kEvaluationChunk = 1000;

  BasicMlpTask(const TaskContext& context, MlpTaskData data)
      : seed_(context.config.seed),
        batch_size_(context.config.batch_size),
        mlp_(std::move(data.shape)),
        histogram_(std::move(data.histogram)),
        shard_(std::move(data.shard)),
        test_(std::move(data.test)) {
    std::vector<int> all(static_cast<size_t>(shard_.count()));
    std::iota(all.begin(), all.end(), 0);
    sampler_.emplace(std::move(all), seed_, context.peer);
  }

  size_t parameter_count() const override { return mlp_.parameter_count(); }
  void initial_parameters(std::span<float> parameters) override { mlp_.initialize(parameters, seed_); }

  BatchLoss loss_and_gradient(std::span<const float> parameters, std::span<float> gradient) override {
    std::span<const int> batch = sampler_->next(batch_size_);
    shard_.fill(batch);
    BatchResult result =
        mlp_.loss_and_gradient(parameters, shard_.images(), shard_.labels(), static_cast<int>(batch.size()), gradient);
    return {result.loss, result.correct, result.count};
  }

  Evaluation evaluate(std::span<const float> parameters) override {
    double loss = 0;
    int correct = 0;
    for (int begin = 0; begin < test_.count(); begin += kEvaluationChunk) {
      const int size = std::min(kEvaluationChunk, test_.count() - begin);
      std::vector<int> chunk(static_cast<size_t>(size));
      std::iota(chunk.begin(), chunk.end(), begin);
      test_.fill(chunk);
      BatchResult result = mlp_.evaluate(parameters, test_.images(), test_.labels(), size);
      loss += result.loss * size;
      correct += result.correct;
    }
    const int count = std::max(1, test_.count());
    return {loss / count, static_cast<double>(correct) / count, test_.count()};
  }

  std::string save_state() const override { return sampler_->save_state(); }
  void restore_state(const std::string& state) override { sampler_->restore_state(state); }

  std::string describe() const override {
    std::string text = "Fashion-MNIST MLP 784";
    for (int width : mlp_.shape().hidden) text += "-" + std::to_string(width);
    text += "-10, shard of " + std::to_string(shard_.count()) + " samples, labels";
    for (int count : histogram_) text += " " + std::to_string(count);
    return text;
  }

 private:
  uint64_t seed_;
  int batch_size_;
  BasicMlp<Device> mlp_;
  std::vector<int> histogram_;
  Samples shard_, test_;
  std::optional<BatchSampler> sampler_;
};

}  // namespace gossip
