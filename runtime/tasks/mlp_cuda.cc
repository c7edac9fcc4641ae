// The CUDA instance of the MLP's passes (runtime/tasks/mlp_passes.h).
#include "runtime/tasks/mlp_cuda.h"

#include "runtime/tasks/mlp_passes.h"

namespace gossip {

template class BasicMlp<CudaDevice>;

}  // namespace gossip
