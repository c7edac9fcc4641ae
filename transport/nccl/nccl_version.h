// The NCCL library this build links, for `gossip version`.
#pragma once

#include <string>

namespace gossip::nccl {
// "2.28.9", read from the library at run time.
std::string library_version();
}  // namespace gossip::nccl
