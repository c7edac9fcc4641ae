// The CPU's trainer, and the choice of trainer by device.
#include "runtime/trainer.h"

#include "common/config_error.h"
#include "kernels/cpu_device.h"
#include "runtime/compute_device.h"
#include "runtime/trainer_passes.h"

namespace gossip {

template class BasicTrainer<CpuDevice>;

std::unique_ptr<Trainer> make_trainer(Task& task, const TrainingConfig& config, const std::string& device) {
  const std::optional<int> gpu = gpu_index(device);
  if (!gpu) return std::make_unique<BasicTrainer<CpuDevice>>(task, config);
  const GpuSupport* support = gpu_support();
  if (!support) throw ConfigError("device \"" + device + "\": this program was built without CUDA");
  return support->make_trainer(task, config, *gpu);
}

}  // namespace gossip
