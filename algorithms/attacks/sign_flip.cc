#include "algorithms/attacks/attacks.h"
#include "algorithms/attacks/vector_attack.h"

namespace gossip {
namespace {

class SignFlip final : public VectorAttack {
 public:
  explicit SignFlip(double scale) : scale_(static_cast<float>(scale)) {}

 private:
  bool lie(const Lie& lie, std::span<float> out) override {
    for (std::size_t k = 0; k < out.size(); ++k) out[k] = scale_ * lie.honest[k];
    return true;
  }
  float scale_;
};

}  // namespace

std::unique_ptr<Attack> make_sign_flip(const JsonReader& options) {
  options.reject_unknown({"scale"});
  return std::make_unique<SignFlip>(options.number_or("scale", -1.0, -1e6, 1e6));
}

}  // namespace gossip
