// The coordinate-wise median of the closed neighbourhood (the peer and every neighbour
// whose vector came and is finite), unweighted: out_c = median of the x_jc. With an even
// count, the mean of the two middle values: a degree-1 peer with its neighbour present
// takes the midpoint of the two. A missing neighbour is left out of the count; alone, the
// peer keeps its own vector. Robust to fewer than half of the vectors being arbitrary, per
// coordinate: the result stays within the range of the others. Written for any device
// (staged_vectors.h); CoordinateMedian is the CPU's.
#pragma once

#include <memory>
#include <type_traits>

#include "algorithms/aggregator.h"
#include "algorithms/aggregators/staged_vectors.h"
#include "common/json_reader.h"
#include "kernels/cpu_device.h"

namespace gossip {

template <typename Device>
class BasicCoordinateMedian final : public Aggregator {
 public:
  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override {
    ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
    if (closed.size() > 1) {
      scratch_.run(closed, [&](auto& scratch) {
        using On = typename std::decay_t<decltype(scratch)>::Device;
        const auto inputs = scratch.vectors.stage(closed, own.size());
        const std::span<float> out = On::output(own, scratch.result);  // may alias inputs[0], the own vector
        On::coordinate_median(inputs, out.data(), own.size());
        On::unstage(out, own);
      });
    }
    return {std::move(closed.left_out)};
  }

 private:
  DeviceOrHost<Device> scratch_;
};

using CoordinateMedian = BasicCoordinateMedian<CpuDevice>;

// The `median` aggregator's factory (no options) for the kernels of Device.
template <typename Device>
std::unique_ptr<Aggregator> make_coordinate_median(const JsonReader& options) {
  options.reject_unknown({});
  return std::make_unique<BasicCoordinateMedian<Device>>();
}

}  // namespace gossip
