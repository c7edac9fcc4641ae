// The geometric median of the closed neighbourhood (the peer and every neighbour whose
// vector came and is finite), unweighted: argmin_z sum_j ||z - x_j||, by smoothed Weiszfeld
// iterations (Pillutla, Kakade and Harchaoui 2022) from the coordinate mean:
//   z <- sum_j b_j x_j / sum_j b_j,   b_j = 1 / max(nu, ||z - x_j||)
// `iterations` times (default 8), nu = `smoothing` (default 1e-6). Robust to fewer than
// half of the vectors being arbitrary. A missing neighbour is left out; alone, the peer
// keeps its own vector. Written for any device (staged_vectors.h): on a GPU the vectors
// cross once and every iteration runs there. GeometricMedian is the CPU's.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "algorithms/aggregator.h"
#include "algorithms/aggregators/staged_vectors.h"
#include "common/json_reader.h"
#include "kernels/cpu_device.h"

namespace gossip {

template <typename Device>
class BasicGeometricMedian final : public Aggregator {
 public:
  BasicGeometricMedian(int iterations, double smoothing) : iterations_(iterations), smoothing_(smoothing) {}

  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override {
    ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
    const std::size_t n = closed.size(), length = own.size();
    if (n == 1) return {std::move(closed.left_out)};
    scratch_.run(closed, [&](auto& scratch) {
      using On = typename std::decay_t<decltype(scratch)>::Device;
      const auto inputs = scratch.vectors.stage(closed, length);
      On::resize(scratch.result, length);
      On::resize(scratch.next, length);
      std::vector<double> weights(n, 1.0 / static_cast<double>(n));
      On::weighted_sum(inputs, weights, scratch.result.data(), length);
      for (int iteration = 0; iteration < iterations_; ++iteration) {
        double total = 0;
        for (std::size_t j = 0; j < n; ++j) {
          const double distance = std::sqrt(On::squared_distance(scratch.result.data(), inputs[j], length));
          weights[j] = 1.0 / std::max(smoothing_, distance);
          total += weights[j];
        }
        for (double& weight : weights) weight /= total;
        On::weighted_sum(inputs, weights, scratch.next.data(), length);
        std::swap(scratch.result, scratch.next);
      }
      On::unstage(std::span<const float>(scratch.result.data(), length), own);
    });
    return {std::move(closed.left_out)};
  }

 private:
  int iterations_;
  double smoothing_;
  DeviceOrHost<Device> scratch_;
};

using GeometricMedian = BasicGeometricMedian<CpuDevice>;

// The `geometric_median` aggregator's factory (options: iterations, smoothing) for the
// kernels of Device.
template <typename Device>
std::unique_ptr<Aggregator> make_geometric_median(const JsonReader& options) {
  options.reject_unknown({"iterations", "smoothing"});
  return std::make_unique<BasicGeometricMedian<Device>>(static_cast<int>(options.integer_or("iterations", 8, 1, 1000)),
                                                        options.number_or("smoothing", 1e-6, 1e-30, 1e30));
}

}  // namespace gossip
