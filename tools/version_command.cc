#include <cstdio>
#include <string>

#include "gossip/config.h"
#include "tools/command.h"
#if GOSSIP_HAVE_CUDA
#include "kernels/cuda/device.h"
#endif
#if GOSSIP_HAVE_NCCL
#include "transport/nccl/nccl_version.h"
#endif

namespace gossip::tools {

void add_version_command(CLI::App& parent, std::vector<Command>& commands) {
  CLI::App* app = parent.add_subcommand("version", "Print the version and the backends this build has");
  app->footer("Example:\n  gossip version");
  commands.push_back({app, [] {
    std::string cuda = "not built (configure with -DGOSSIP_CUDA=ON and the CUDA toolkit)";
    std::string nccl = "not built";
#if GOSSIP_HAVE_CUDA
    cuda = "built; " + cuda::describe_devices();
#endif
#if GOSSIP_HAVE_NCCL
    nccl = "built; library " + nccl::library_version();
#endif
    std::printf("gossip %s\n  CPU kernels: %s\n  CUDA: %s\n  NCCL: %s\n", GOSSIP_VERSION, GOSSIP_CPU_SIMD, cuda.c_str(),
                nccl.c_str());
    return 0;
  }});
}

}  // namespace gossip::tools
