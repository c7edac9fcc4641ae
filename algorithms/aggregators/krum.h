// Krum and multi-Krum (Blanchard et al. 2017) on the closed neighbourhood (the peer and
// every neighbour whose vector came and is finite, n in all), unweighted: each vector's
// score is the sum of its squared distances to its n - f - 2 nearest others; the m vectors
// with the lowest scores (ties to the earlier: the peer itself first) are averaged (m = 1:
// Krum picks one). The topology must give every peer n >= f + 3, or the run is refused
// before it starts; in a round where missing neighbours leave fewer, the peer keeps its own.
// Written for any device (staged_vectors.h): on a GPU the n vectors cross once and the
// n(n-1)/2 distances are measured there. Krum is the CPU's.
#pragma once

#include <memory>
#include <type_traits>
#include <vector>

#include "algorithms/aggregator.h"
#include "algorithms/aggregators/aggregator_options.h"
#include "algorithms/aggregators/staged_vectors.h"
#include "kernels/cpu_device.h"

namespace gossip {

// The indices of the `m` vectors of lowest score, lowest first, from the n x n squared
// distances.
std::vector<std::size_t> krum_choice(const std::vector<double>& distances, std::size_t n, std::size_t f, std::size_t m);
// Throws ConfigError (training.aggregator.f) when a neighbourhood of that size is too small.
void check_krum(int f, std::size_t neighbourhood_size);

template <typename Device>
class BasicKrum final : public Aggregator {
 public:
  BasicKrum(int f, int m) : f_(f), m_(m) {}

  AggregateReport aggregate(std::span<float> own, double self_weight, std::span<const Contribution> neighbours) override {
    ClosedNeighbourhood closed = closed_neighbourhood(own, self_weight, neighbours);
    const std::size_t n = closed.size(), f = static_cast<std::size_t>(f_), length = own.size();
    if (n < f + 3) return {std::move(closed.left_out)};
    scratch_.run(closed, [&](auto& scratch) {
      using On = typename std::decay_t<decltype(scratch)>::Device;
      const auto inputs = scratch.vectors.stage(closed, length);
      std::vector<const float*> chosen;
      for (std::size_t index : krum_choice(On::pairwise_squared_distances(inputs, length), n, f, static_cast<std::size_t>(m_))) {
        chosen.push_back(inputs[index]);
      }
      // The own vector may be among the chosen; the weighted sum allows out to alias inputs[0] only.
      const std::vector<double> weights(chosen.size(), 1.0 / static_cast<double>(chosen.size()));
      On::resize(scratch.result, length);
      On::weighted_sum(chosen, weights, scratch.result.data(), length);
      On::unstage(std::span<const float>(scratch.result.data(), length), own);
    });
    return {std::move(closed.left_out)};
  }

  void check(std::size_t neighbourhood_size) const override { check_krum(f_, neighbourhood_size); }

 private:
  int f_, m_;
  DeviceOrHost<Device> scratch_;
};

using Krum = BasicKrum<CpuDevice>;

// The `krum` aggregator's factory (options: f, m) for the kernels of Device.
template <typename Device>
std::unique_ptr<Aggregator> make_krum(const JsonReader& options) {
  options.reject_unknown({"f", "m"});
  return std::make_unique<BasicKrum<Device>>(aggregator_f(options),
                                             static_cast<int>(options.integer_or("m", 1, 1, 1 << 20)));
}

}  // namespace gossip
