// Factories of the built-in tasks, registered under their names by task_registry.cc.
#pragma once

#include <memory>

#include "runtime/task.h"

namespace gossip {

// "least_squares": task_options dimension (10), rows (50 per peer), heterogeneity (1.0).
std::unique_ptr<Task> make_least_squares_task(const TaskContext& context);
// "logistic": task_options dimension (20), rows (200 per peer), heterogeneity (1.0), l2 (0.01).
std::unique_ptr<Task> make_logistic_task(const TaskContext& context);
// "mlp": task_options hidden ([256, 128]), data_dir (the Debian package's directory).
std::unique_ptr<Task> make_mlp_task(const TaskContext& context);

}  // namespace gossip
