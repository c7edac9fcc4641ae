#include "runtime/cuda/cuda_support.h"

#include "algorithms/aggregators/geometric_median.h"
#include "algorithms/aggregators/krum.h"
#include "algorithms/compressors/qsgd.h"
#include "algorithms/compressors/top_k.h"
#include "algorithms/registry.h"
#include "gossip/config.h"
#include "kernels/cuda/cuda_device.h"
#include "kernels/cuda/device.h"
#include "runtime/compute_device.h"
#include "runtime/cuda/device_samples.h"
#include "runtime/tasks/mlp_task.h"
#include "runtime/trainer_passes.h"
#if GOSSIP_HAVE_NCCL
#include "transport/nccl/nccl_channels.h"
#endif

namespace gossip {

template class BasicTrainer<CudaDevice>;
template class BasicKrum<CudaDevice>;
template class BasicTopK<CudaDevice>;
template class BasicQsgd<CudaDevice>;
template class BasicGeometricMedian<CudaDevice>;

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
  // The aggregators that pass over the k vectors many times (Krum's k(k-1)/2 distances,
  // Weiszfeld's iterations) run on the GPU, where the vectors cross once. The mean, median
  // and trimmed mean read each vector once, near the host's memory bandwidth (gossip bench
  // aggregators): copying the vectors to the GPU would cost as much as they do.
  // Top-k's selection sorts the whole vector: the CPU manages 0.2 GB/s of it, the GPU's
  // radix sort runs at device bandwidth, after one copy across PCIe.
  register_compressor("top_k", make_top_k<CudaDevice>, "cuda");
  // QSGD's random draw per value runs the CPU at 1.4 GB/s; on the GPU, the codes cross back
  // at b/32 of the vector's size.
  register_compressor("qsgd", make_qsgd<CudaDevice>, "cuda");
  register_aggregator("krum", make_krum<CudaDevice>, "cuda");
  register_aggregator("geometric_median", make_geometric_median<CudaDevice>, "cuda");
}

}  // namespace gossip
