#include <map>
#include <mutex>

#include "runtime/task.h"
#include "runtime/tasks/builtin_tasks.h"
#include "common/config_error.h"

namespace gossip {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, TaskFactory> factories{
      {"least_squares", make_least_squares_task},
      {"logistic", make_logistic_task},
      {"mlp", make_mlp_task},
  };
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

void register_task(const std::string& name, TaskFactory factory) {
  std::lock_guard lock(registry().mutex);
  registry().factories[name] = std::move(factory);
}

std::unique_ptr<Task> make_task(const TaskContext& context) {
  TaskFactory factory;
  {
    std::lock_guard lock(registry().mutex);
    auto found = registry().factories.find(context.config.task);
    if (found == registry().factories.end()) {
      std::string known;
      for (const auto& [name, unused] : registry().factories) known += (known.empty() ? "" : ", ") + name;
      throw ConfigError("training.task: unknown task \"" + context.config.task + "\" (known: " + known + ")");
    }
    factory = found->second;
  }
  return factory(context);
}

}  // namespace gossip
