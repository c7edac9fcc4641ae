// Top-k: the k values of largest magnitude, as (index, value) pairs; the rest read as 0.
// Biased, and a contraction: ||C(x) - x||^2 <= (1 - k/d) ||x||^2, equality when every
// value has the same magnitude. Ties in magnitude go to the lower index.
//
// Wire format (codec kTopK): the k indices, ascending, as gaps (the first index, then each
// one minus the one before minus 1) in LEB128 varints (7 bits a byte, low bits first, the
// top bit set on all but a varint's last byte), then the k values as float32. A gap below
// 128 takes one byte, so top-1% of a large model costs about 5.3 bytes a value instead of 8;
// the size varies with where the values are, at most k (varint bytes of d) + 4k.
//
// The selection is written once for either device (kernels/cpu_device.h,
// kernels/cuda/cuda_device.h): on a GPU peer the vector crosses once, the sort runs there,
// and only the k indices and values come back, the same bytes as the CPU's. Decoding a
// neighbour's k pairs stays on the host. TopK is the CPU's.
#pragma once

#include <memory>
#include <vector>

#include "algorithms/compressor.h"
#include "algorithms/compressors/sparse_count.h"
#include "kernels/cpu_device.h"

namespace gossip {

// The format, either device's: everything but the selection.
class TopKFormat : public Compressor {
 public:
  explicit TopKFormat(SparseCount kept) : kept_(kept) {}
  Codec codec() const override { return Codec::kTopK; }
  std::size_t max_wire_bytes(std::size_t length) const override;
  std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                               FloatBuffer& scratch) const override;
  std::optional<double> variance_factor(std::size_t) const override { return std::nullopt; }

 protected:
  // The message of the chosen indices (ascending) and their values, into `scratch`.
  static std::span<const uint8_t> write(std::span<const uint32_t> indices, std::span<const float> values,
                                        std::vector<uint8_t>& scratch);
  SparseCount kept_;
};

template <typename Device>
class BasicTopK final : public TopKFormat {
 public:
  using TopKFormat::TopKFormat;

  // The device's memory is this compressor's: one peer's rule calls it, from one thread.
  std::span<const uint8_t> encode(std::span<const float> values, uint64_t, std::vector<uint8_t>& scratch) const override {
    const std::size_t length = values.size(), k = kept_.of(length);
    const float* on_device = Device::stage(values, values_).data();
    uint32_t* chosen = Device::allocate(indices_, k);
    Device::top_k_indices(on_device, length, k, chosen);
    float* kept = Device::allocate(kept_values_, k);
    Device::gather(on_device, chosen, k, kept);
    return write(Device::to_host(static_cast<const uint32_t*>(chosen), k, host_indices_),
                 Device::to_host(static_cast<const float*>(kept), k, host_values_), scratch);
  }

 private:
  mutable typename Device::Buffer values_;
  mutable typename Device::template Array<uint32_t> indices_;
  mutable typename Device::template Array<float> kept_values_;
  mutable std::vector<uint32_t> host_indices_;
  mutable std::vector<float> host_values_;
};

using TopK = BasicTopK<CpuDevice>;

// The `top_k` compressor's factory (options: fraction or count) for the kernels of Device.
template <typename Device>
std::unique_ptr<Compressor> make_top_k(const JsonReader& options) {
  options.reject_unknown({"fraction", "count"});
  return std::make_unique<BasicTopK<Device>>(SparseCount::from(options));
}

}  // namespace gossip
