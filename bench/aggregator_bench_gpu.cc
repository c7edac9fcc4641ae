// The GPU rows of `gossip bench aggregators`: the aggregators written for any device
// (algorithms/aggregators/staged_vectors.h) on the GPU, each aggregate timed whole, the
// copies of the host vectors to the GPU and of the result back included, as a peer pays them.
#include "bench/aggregator_bench.h"
#include "gossip/config.h"

#if GOSSIP_HAVE_CUDA
#include "algorithms/aggregators/coordinate_median.h"
#include "algorithms/aggregators/geometric_median.h"
#include "algorithms/aggregators/krum.h"
#include "algorithms/aggregators/trimmed_mean.h"
#include "kernels/cuda/cuda_device.h"
#include "kernels/cuda/device.h"
#endif

namespace gossip::bench {

std::vector<LabelledAggregator> gpu_aggregators(std::string& why) {
  std::vector<LabelledAggregator> all;
#if !GOSSIP_HAVE_CUDA
  why = "this build has no CUDA (configure with -DGOSSIP_CUDA=ON where nvcc is)";
#else
  if (cuda::device_count() == 0) {
    why = cuda::describe_devices();
    return all;
  }
  cuda::use_device(0);
  all.push_back({"median (GPU)", std::make_unique<BasicCoordinateMedian<CudaDevice>>()});
  all.push_back({"trimmed_mean f=1 (GPU)", std::make_unique<BasicTrimmedMean<CudaDevice>>(1)});
  all.push_back({"krum f=1 (GPU)", std::make_unique<BasicKrum<CudaDevice>>(1, 1)});
  all.push_back({"geometric_median (GPU)", std::make_unique<BasicGeometricMedian<CudaDevice>>(8, 1e-6)});
#endif
  return all;
}

}  // namespace gossip::bench
