#include "runtime/cuda/cuda_support.h"

#include "gossip/config.h"
#include "kernels/cuda/device.h"
#include "runtime/compute_device.h"
#include "runtime/cuda/cuda_device.h"
#include "runtime/cuda/device_samples.h"
#include "runtime/tasks/mlp_task.h"
#include "runtime/trainer_passes.h"
#if GOSSIP_HAVE_NCCL
#include "transport/nccl/nccl_channels.h"
#endif

namespace gossip {

template class BasicTrainer<CudaDevice>;

void register_cuda_support() {
  register_gpu_support({cuda::device_count, cuda::describe_devices,
                        [](Task& task, const TrainingConfig& config, int index) -> std::unique_ptr<Trainer> {
                          cuda::use_device(index);
                          return std::make_unique<BasicTrainer<CudaDevice>>(task, config);
                        },
#if GOSSIP_HAVE_NCCL
                        nccl::make_channel_factory
#else
                        nullptr
#endif
  });
  // The task comes first (peer.cc), so it picks the peer's GPU before it uploads its data.
  register_task(
      "mlp",
      [](const TaskContext& context) -> std::unique_ptr<Task> {
        cuda::use_device(*gpu_index(context.device));
        return std::make_unique<BasicMlpTask<CudaDevice, DeviceSamples>>(context, load_mlp_task_data(context));
      },
      "cuda");
}

}  // namespace gossip
