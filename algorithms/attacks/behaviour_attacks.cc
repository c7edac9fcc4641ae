// The attacks that lie by what they do rather than by what they send: silence, a crash,
// and poisoned training data.
#include "algorithms/attacks/attacks.h"

namespace gossip {
namespace {

class Silent final : public Attack {
 public:
  std::span<const Payload> rewrite(const AttackContext&) override { return {}; }
};

class Crash final : public Attack {
 public:
  std::span<const Payload> rewrite(const AttackContext& context) override { return context.honest; }
  bool leaves(int64_t) const override { return true; }
};

class LabelFlip final : public Attack {
 public:
  std::span<const Payload> rewrite(const AttackContext& context) override { return context.honest; }
  nlohmann::json task_options() const override { return {{"label_flip", true}}; }
};

}  // namespace

std::unique_ptr<Attack> make_silent(const JsonReader& options) {
  options.reject_unknown({});
  return std::make_unique<Silent>();
}

std::unique_ptr<Attack> make_crash(const JsonReader& options) {
  options.reject_unknown({});
  return std::make_unique<Crash>();
}

std::unique_ptr<Attack> make_label_flip(const JsonReader& options) {
  options.reject_unknown({});
  return std::make_unique<LabelFlip>();
}

}  // namespace gossip
