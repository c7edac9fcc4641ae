#include <cmath>
#include <numbers>

#include "algorithms/attacks/attacks.h"
#include "algorithms/attacks/vector_attack.h"
#include "common/splitmix64.h"

namespace gossip {
namespace {

class GaussianNoise final : public VectorAttack {
 public:
  explicit GaussianNoise(double sigma) : sigma_(sigma) {}

 private:
  bool lie(const Lie& lie, std::span<float> out) override {
    SplitMix64Stream stream(lie.seed);
    for (std::size_t k = 0; k < out.size(); k += 2) {
      // Box-Muller: two normal draws from two uniform ones.
      const double u = (static_cast<double>(stream.next() >> 11) + 1) * 0x1p-53, v = stream.unit();
      const double radius = sigma_ * std::sqrt(-2 * std::log(u));
      out[k] = lie.honest[k] + static_cast<float>(radius * std::cos(2 * std::numbers::pi * v));
      if (k + 1 < out.size()) out[k + 1] = lie.honest[k + 1] + static_cast<float>(radius * std::sin(2 * std::numbers::pi * v));
    }
    return true;
  }
  double sigma_;
};

}  // namespace

std::unique_ptr<Attack> make_gaussian_noise(const JsonReader& options) {
  options.reject_unknown({"sigma"});
  return std::make_unique<GaussianNoise>(options.number_or("sigma", 1.0, 0, 1e30));
}

}  // namespace gossip
