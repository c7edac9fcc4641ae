// The coordinate-wise trimmed mean of the closed neighbourhood (the peer and every
// neighbour whose vector came and is finite), unweighted: per coordinate, the f largest and
// the f smallest values are dropped and the rest averaged. Robust to f arbitrary vectors:
// the result stays within the range of the others. The topology must give every peer at
// least 2f + 1 vectors (itself and 2f neighbours), or the run is refused before it starts;
// in a round where missing neighbours leave fewer, the peer keeps its own vector. Written
// for any device (staged_vectors.h); TrimmedMean is the CPU's.
#pragma once

#include <memory>
#include <type_traits>

#include "algorithms/aggregator.h"
#include "algorithms/aggregators/aggregator_options.h"
#include "algorithms/aggregators/staged_vectors.h"
#include "kernels/cpu_device.h"

namespace gossip {

// Throws ConfigError (training.aggregator.f) when trimming f from each end leaves nothing
// of a closed neighbourhood of `neighbourhood_size` vectors.
void check_trim(int f, std::size_t neighbourhood_size);

template <typename Device>
class BasicTrimmedMean final : public Aggregator {
 public:
  explicit BasicTrimmedMean(int f) : f_(f) {}

  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override {
    ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
    const auto trim = static_cast<std::size_t>(f_);
    if (closed.size() > 2 * trim) {
      scratch_.run(closed, [&](auto& scratch) {
        using On = typename std::decay_t<decltype(scratch)>::Device;
        const auto inputs = scratch.vectors.stage(closed, own.size());
        const std::span<float> out = On::output(own, scratch.result);  // may alias inputs[0], the own vector
        On::trimmed_mean(inputs, trim, out.data(), own.size());
        On::unstage(out, own);
      });
    }
    return {std::move(closed.left_out)};
  }

  void check(std::size_t neighbourhood_size) const override { check_trim(f_, neighbourhood_size); }

 private:
  int f_;
  DeviceOrHost<Device> scratch_;
};

using TrimmedMean = BasicTrimmedMean<CpuDevice>;

// The `trimmed_mean` aggregator's factory (options: f) for the kernels of Device.
template <typename Device>
std::unique_ptr<Aggregator> make_trimmed_mean(const JsonReader& options) {
  options.reject_unknown({"f"});
  return std::make_unique<BasicTrimmedMean<Device>>(aggregator_f(options));
}

}  // namespace gossip
