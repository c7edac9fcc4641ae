#include "algorithms/attacks/attacks.h"
#include "algorithms/attacks/vector_attack.h"

namespace gossip {
namespace {

class InnerProductManipulation final : public VectorAttack {
 public:
  explicit InnerProductManipulation(double epsilon) : epsilon_(epsilon) {}

 private:
  bool lie(const Lie& lie, std::span<float> out) override {
    const Moments stats = moments(lie.heard, lie.honest);
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = static_cast<float>(-epsilon_ * stats.mean[k]);
    return true;
  }
  double epsilon_;
};

}  // namespace

std::unique_ptr<Attack> make_ipm(const JsonReader& options) {
  options.reject_unknown({"epsilon"});
  return std::make_unique<InnerProductManipulation>(options.number_or("epsilon", 0.1, -1e6, 1e6));
}

}  // namespace gossip
