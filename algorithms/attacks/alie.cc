#include <cmath>
#include <optional>

#include "algorithms/attacks/attacks.h"
#include "algorithms/attacks/vector_attack.h"

namespace gossip {
namespace {

// Phi^-1(p) by bisection on the normal CDF: exact enough for a shift, and obviously right.
double inverse_normal_cdf(double p) {
  double low = -10, high = 10;
  for (int i = 0; i < 200; ++i) {
    const double middle = (low + high) / 2;
    (0.5 * std::erfc(-middle / std::sqrt(2.0)) < p ? low : high) = middle;
  }
  return (low + high) / 2;
}

class Alie final : public VectorAttack {
 public:
  Alie(std::optional<double> z, int f) : z_(z), f_(f) {}

 private:
  bool lie(const Lie& lie, std::span<float> out) override {
    const Moments stats = moments(lie.heard, lie.honest);
    const double z = z_ ? *z_ : alie_z(static_cast<int>(lie.heard.size()) + 1, f_);
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<float>(stats.mean[k] - z * stats.deviation[k]);
    return true;
  }

  std::optional<double> z_;
  int f_;
};

}  // namespace

double alie_z(int n, int f) {
  const int s = n / 2 + 1 - f;
  const double p = static_cast<double>(n - s) / n;
  return p <= 0 ? 0.0 : p >= 1 ? 3.0 : inverse_normal_cdf(p);
}

std::unique_ptr<Attack> make_alie(const JsonReader& options) {
  options.reject_unknown({"z", "f"});
  std::optional<double> z;
  if (options.has("z")) z = options.number_or("z", 1.0, -1e6, 1e6);
  return std::make_unique<Alie>(z, static_cast<int>(options.integer_or("f", 1, 0, 1 << 20)));
}

}  // namespace gossip
