// The MLP task's data (runtime/tasks/mlp_task.h) and its CPU instance.
#include "runtime/tasks/mlp_task.h"

#include "common/json_reader.h"
#include "kernels/cpu_device.h"
#include "runtime/data/partition.h"
#include "runtime/tasks/builtin_tasks.h"
#include "runtime/tasks/host_samples.h"

namespace gossip {
namespace {

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

MlpTaskData load_mlp_task_data(const TaskContext& context) {
  JsonReader options(context.config.task_options, "training.task_options");
  options.reject_unknown({"hidden", "data_dir", "label_flip"});
  const std::string dir = options.string_or("data_dir", default_fashion_mnist_dir().string());
  MlpShape shape = shape_from(options);
  const bool label_flip = options.boolean_or("label_flip", false);
  Dataset data = load_fashion_mnist(dir);
  const std::vector<int> part = own_part(data, context);
  MlpTaskData task{std::move(shape), take_shard(data.train, part), std::move(data.test),
                   label_histogram(part, data.train.labels, data.classes)};
  // A data attack (the label_flip attack): every label y trained on as C - 1 - y.
  if (label_flip) {
    for (auto& label : task.shard.labels) label = static_cast<uint8_t>(data.classes - 1 - label);
  }
  const int batch_size = context.config.batch_size;
  if (task.shard.count < batch_size) {
    throw ConfigError("training.batch_size " + std::to_string(batch_size) + " exceeds peer " +
                      std::to_string(context.peer) + "'s shard of " + std::to_string(task.shard.count) + " samples");
  }
  return task;
}

std::unique_ptr<Task> make_mlp_task(const TaskContext& context) {
  return std::make_unique<BasicMlpTask<CpuDevice, HostSamples>>(context, load_mlp_task_data(context));
}

}  // namespace gossip
