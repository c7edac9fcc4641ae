#include <map>
#include <mutex>
#include <set>

#include "runtime/compute_device.h"
#include "runtime/task.h"
#include "runtime/tasks/builtin_tasks.h"
#include "common/config_error.h"

namespace gossip {
namespace {

// Keyed by (name, device kind).
struct Registry {
  std::mutex mutex;
  std::map<std::pair<std::string, std::string>, TaskFactory> factories{
      {{"least_squares", "cpu"}, make_least_squares_task},
      {{"logistic", "cpu"}, make_logistic_task},
      {{"mlp", "cpu"}, make_mlp_task},
  };
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void register_task(const std::string& name, TaskFactory factory, const std::string& device_kind) {
  std::lock_guard lock(registry().mutex);
  if (!factory) {
    registry().factories.erase({name, device_kind});
    return;
  }
  registry().factories[{name, device_kind}] = std::move(factory);
}

std::unique_ptr<Task> make_task(const TaskContext& context) {
  TaskFactory factory;
  {
    std::lock_guard lock(registry().mutex);
    const auto& factories = registry().factories;
    const std::string& task = context.config.task;
    const std::string kind = device_kind(context.device);
    auto found = factories.find({task, kind});
    if (found == factories.end()) {
      std::set<std::string> names;
      std::string known, kinds;
      for (const auto& [key, unused] : factories) {
        if (key.first == task) kinds += (kinds.empty() ? "" : ", ") + key.second;
        if (names.insert(key.first).second) known += (known.empty() ? "" : ", ") + key.first;
      }
      if (kinds.empty()) throw ConfigError("training.task: unknown task \"" + task + "\" (known: " + known + ")");
      throw ConfigError("training.task \"" + task + "\" has no " + kind + " implementation (it runs on: " + kinds +
                        "); peer " + std::to_string(context.peer) + "'s device is \"" + context.device + "\"");
    }
    factory = found->second;
  }
  return factory(context);
}

}  // namespace gossip
