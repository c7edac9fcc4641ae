#include "algorithms/attacks/attacks.h"
#include "algorithms/attacks/vector_attack.h"

namespace gossip {
namespace {

class Dissensus final : public VectorAttack {
 public:
  explicit Dissensus(double epsilon) : epsilon_(epsilon) {}

 private:
  bool lie(const Lie& lie, std::span<float> out) override {
    if (lie.from_target.empty()) return false;  // nothing heard from it yet: nothing to push
    const Moments stats = moments(lie.heard, lie.honest);
    for (std::size_t k = 0; k < out.size(); ++k) {
      out[k] = static_cast<float>(lie.from_target[k] + epsilon_ * (lie.from_target[k] - stats.mean[k]));
    }
    return true;
  }
  double epsilon_;
};

}  // namespace

std::unique_ptr<Attack> make_dissensus(const JsonReader& options) {
  options.reject_unknown({"epsilon"});
  return std::make_unique<Dissensus>(options.number_or("epsilon", 1.0, -1e6, 1e6));
}

}  // namespace gossip
