#include <cmath>

#include "algorithms/attacks/attacks.h"
#include "algorithms/attacks/vector_attack.h"

namespace gossip {
namespace {

class NonFinite final : public VectorAttack {
 public:
  explicit NonFinite(float value) : value_(value) {}

 private:
  bool lie(const Lie&, std::span<float> out) override {
    std::fill(out.begin(), out.end(), value_);
    return true;
  }
  float value_;
};

}  // namespace

std::unique_ptr<Attack> make_non_finite(const JsonReader& options) {
  options.reject_unknown({"value"});
  const std::string value = options.string_or("value", "nan");
  if (value == "nan") return std::make_unique<NonFinite>(NAN);
  if (value == "inf") return std::make_unique<NonFinite>(INFINITY);
  if (value == "-inf") return std::make_unique<NonFinite>(-INFINITY);
  options.fail("value", "expected \"nan\", \"inf\" or \"-inf\", got \"" + value + "\"");
}

}  // namespace gossip
