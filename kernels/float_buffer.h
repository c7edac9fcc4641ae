// The buffers the CPU kernels read and write. Aligned to Eigen's widest packet, because
// Eigen picks which elements take the vector path and which the scalar one (with and
// without FMA) from each buffer's address: a buffer that lands elsewhere mod 64 after a
// resume would round differently, and a resumed run would no longer match bit for bit.
#pragma once

#include <Eigen/Core>  // aligned_allocator
#include <vector>

namespace gossip {

using FloatBuffer = std::vector<float, Eigen::aligned_allocator<float>>;

}  // namespace gossip
