// The Fashion-MNIST MLP task: every peer loads the dataset, computes the same split from
// the run seed, keeps its own shard of the training set, and evaluates on the whole
// 10k test set so the peers' accuracies compare.
#include <numeric>
#include <optional>

#include "runtime/data/batch_sampler.h"
#include "runtime/data/fashion_mnist.h"
#include "runtime/data/partition.h"
#include "runtime/tasks/builtin_tasks.h"
#include "runtime/tasks/mlp.h"
#include "common/json_reader.h"

namespace gossip {
namespace {

constexpr int kEvaluationChunk = 1000;

std::vector<int> own_part(const Dataset& data, const TaskContext& context) {
  const auto& config = context.config;
  std::vector<std::vector<int>> parts;
  if (config.partition == "dirichlet") {
    parts = partition_dirichlet(data.train.labels, data.classes, context.peers, config.alpha, config.seed,
                                config.batch_size);
  } else if (config.partition == "sorted") {
    parts = partition_sorted(data.train.labels, context.peers);
  } else {
    parts = partition_iid(data.train.count, context.peers, config.seed);
  }
  return parts[static_cast<size_t>(context.peer)];
}

// The shard's samples copied out, so the rest of the training set can be freed.
LabeledImages take_shard(const LabeledImages& train, const std::vector<int>& indices) {
  LabeledImages shard{static_cast<int>(indices.size()), train.pixels_per_image, {}, {}};
  shard.pixels.reserve(indices.size() * static_cast<size_t>(train.pixels_per_image));
  for (int index : indices) {
    auto begin = train.pixels.begin() + static_cast<std::ptrdiff_t>(index) * train.pixels_per_image;
    shard.pixels.insert(shard.pixels.end(), begin, begin + train.pixels_per_image);
    shard.labels.push_back(train.labels[static_cast<size_t>(index)]);
  }
  return shard;
}

std::vector<int> iota(int count) {
  std::vector<int> values(static_cast<size_t>(count));
  std::iota(values.begin(), values.end(), 0);
  return values;
}

class MlpTask final : public Task {
 public:
  MlpTask(const TaskContext& context, MlpShape shape, Dataset data, bool label_flip)
      : seed_(context.config.seed),
        batch_size_(context.config.batch_size),
        mlp_(std::move(shape)),
        test_(std::move(data.test)) {
    const std::vector<int> part = own_part(data, context);
    histogram_ = label_histogram(part, data.train.labels, data.classes);
    shard_ = take_shard(data.train, part);
    // A data attack (the label_flip attack): every label y trained on as C - 1 - y.
    if (label_flip) {
      for (auto& label : shard_.labels) label = static_cast<uint8_t>(data.classes - 1 - label);
    }
    if (shard_.count < batch_size_) {
      throw ConfigError("training.batch_size " + std::to_string(batch_size_) + " exceeds peer " +
                        std::to_string(context.peer) + "'s shard of " + std::to_string(shard_.count) + " samples");
    }
    sampler_.emplace(iota(shard_.count), seed_, context.peer);
  }

  size_t parameter_count() const override { return mlp_.parameter_count(); }
  void initial_parameters(std::span<float> parameters) override { mlp_.initialize(parameters, seed_); }

  BatchLoss loss_and_gradient(std::span<const float> parameters, std::span<float> gradient) override {
    std::span<const int> batch = sampler_->next(batch_size_);
    fill(shard_, batch);
    BatchResult result = mlp_.loss_and_gradient(parameters, images_.data(), labels_.data(),
                                                static_cast<int>(batch.size()), gradient);
    return {result.loss, result.correct, result.count};
  }

  Evaluation evaluate(std::span<const float> parameters) override {
    double loss = 0;
    int correct = 0;
    for (int begin = 0; begin < test_.count; begin += kEvaluationChunk) {
      const int size = std::min(kEvaluationChunk, test_.count - begin);
      std::vector<int> chunk(static_cast<size_t>(size));
      std::iota(chunk.begin(), chunk.end(), begin);
      fill(test_, chunk);
      BatchResult result = mlp_.evaluate(parameters, images_.data(), labels_.data(), size);
      loss += result.loss * size;
      correct += result.correct;
    }
    const int count = std::max(1, test_.count);
    return {loss / count, static_cast<double>(correct) / count, test_.count};
  }

  std::string save_state() const override { return sampler_->save_state(); }
  void restore_state(const std::string& state) override { sampler_->restore_state(state); }

  std::string describe() const override {
    std::string text = "Fashion-MNIST MLP 784";
    for (int width : mlp_.shape().hidden) text += "-" + std::to_string(width);
    text += "-10, shard of " + std::to_string(shard_.count) + " samples, labels";
    for (int count : histogram_) text += " " + std::to_string(count);
    return text;
  }

 private:
  void fill(const LabeledImages& data, std::span<const int> indices) {
    images_.resize(indices.size() * static_cast<size_t>(data.pixels_per_image));
    labels_.resize(indices.size());
    gather_batch(data, indices, images_.data(), labels_.data());
  }

  uint64_t seed_;
  int batch_size_;
  Mlp mlp_;
  LabeledImages shard_, test_;
  std::vector<int> histogram_;
  std::optional<BatchSampler> sampler_;  // made once the shard is known
  FloatBuffer images_;
  std::vector<uint8_t> labels_;
};

MlpShape shape_from(const JsonReader& options) {
  MlpShape shape;
  if (options.has("hidden")) {
    shape.hidden.clear();
    for (const auto& width : options.array("hidden")) {
      if (!width.is_number_integer() || width.get<int64_t>() < 1 || width.get<int64_t>() > 1 << 16) {
        options.fail("hidden", "expected layer widths in 1..65536, got " + brief(width));
      }
      shape.hidden.push_back(width.get<int>());
    }
  }
  return shape;
}

}  // namespace

std::unique_ptr<Task> make_mlp_task(const TaskContext& context) {
  JsonReader options(context.config.task_options, "training.task_options");
  options.reject_unknown({"hidden", "data_dir", "label_flip"});
  const std::string dir = options.string_or("data_dir", default_fashion_mnist_dir().string());
  return std::make_unique<MlpTask>(context, shape_from(options), load_fashion_mnist(dir),
                                   options.boolean_or("label_flip", false));
}

}  // namespace gossip
