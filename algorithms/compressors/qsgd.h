// QSGD (Alistarh et al. 2017) with s levels: each value becomes sign(x_i) ||x||_2 l_i / s,
// with l_i the level |x_i| / ||x||_2 * s rounded down or up at random so that E C(x) = x.
// omega = min(d / s^2, sqrt(d) / s). A value takes 1 sign bit and ceil(log2(s + 1)) level
// bits: "4-bit QSGD" is s = 7 (`{"kind": "qsgd", "bits": 4}`, or `"levels": 7`).
//
// Wire format (codec kQsgd), exactly 4 + ceil(d * b / 8) bytes with b bits a value: the
// float32 norm, then per value its level (the low b - 1 bits) and its sign (the top bit, 1
// for negative), packed least significant bit first.
//
// Encoding is written once for either device (kernels/cpu_device.h,
// kernels/cuda/cuda_device.h): on a GPU peer the vector crosses once, the norm and a random
// draw per value are made there, and only the packed codes come back (b/32 of the vector's
// bytes). Decoding a neighbour's message stays on the host. Qsgd is the CPU's.
#pragma once

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "algorithms/compressor.h"
#include "common/json_reader.h"
#include "kernels/cpu_device.h"

namespace gossip {

// The format, either device's: everything but the encoding's arithmetic.
class QsgdFormat : public Compressor {
 public:
  // Throws std::invalid_argument for levels outside 1..32767.
  explicit QsgdFormat(int levels);
  // s from {"levels": s} or {"bits": b} (s = 2^(b-1) - 1); throws ConfigError naming the field.
  static int levels_of(const JsonReader& options);

  Codec codec() const override { return Codec::kQsgd; }
  std::size_t max_wire_bytes(std::size_t length) const override { return 4 + (length * bits_ + 7) / 8; }
  std::optional<std::span<const float>> decode(std::span<const uint8_t> bytes, std::size_t length,
                                               FloatBuffer& scratch) const override;
  std::optional<double> variance_factor(std::size_t length) const override;
  int bits_per_value() const { return bits_; }

 protected:
  int levels_, bits_;
};

template <typename Device>
class BasicQsgd final : public QsgdFormat {
 public:
  using QsgdFormat::QsgdFormat;

  // The device's memory is this compressor's: one peer's rule calls it, from one thread.
  std::span<const uint8_t> encode(std::span<const float> values, uint64_t seed, std::vector<uint8_t>& scratch) const override {
    const std::size_t length = values.size(), packed_bytes = max_wire_bytes(length) - 4;
    const float* on_device = Device::stage(values, values_).data();
    const float norm = static_cast<float>(std::sqrt(Device::sum_of_squares(on_device, length)));
    // Whole 4-byte words, as the GPU's kernel writes them.
    uint8_t* packed = Device::allocate(packed_, (length * bits_ + 31) / 32 * 4);
    Device::qsgd_codes(on_device, length, norm, levels_, bits_, seed, packed);
    const std::span<const uint8_t> codes = Device::to_host(static_cast<const uint8_t*>(packed), packed_bytes, host_);
    scratch.resize(4 + packed_bytes);
    std::memcpy(scratch.data(), &norm, 4);
    if (packed_bytes > 0) std::memcpy(scratch.data() + 4, codes.data(), packed_bytes);
    return scratch;
  }

 private:
  mutable typename Device::Buffer values_;
  mutable typename Device::template Array<uint8_t> packed_;
  mutable std::vector<uint8_t> host_;
};

using Qsgd = BasicQsgd<CpuDevice>;

// The `qsgd` compressor's factory (options: levels or bits) for the kernels of Device.
template <typename Device>
std::unique_ptr<Compressor> make_qsgd(const JsonReader& options) {
  options.reject_unknown({"levels", "bits"});
  return std::make_unique<BasicQsgd<Device>>(QsgdFormat::levels_of(options));
}

}  // namespace gossip
