#include "algorithms/dsgd.h"

#include <stdexcept>

namespace gossip {
namespace {

void local_steps(const DsgdStep& step, std::span<float> model, std::span<float> scratch,
                 const std::function<void(std::span<const float>, std::span<float>)>& gradient) {
  const auto rate = static_cast<float>(step.learning_rate);
  for (int k = 0; k < step.local_steps; ++k) {
    gradient(model, scratch);
    for (size_t j = 0; j < model.size(); ++j) model[j] -= rate * scratch[j];
  }
}

}  // namespace

void dsgd_round(const DsgdStep& step, std::span<float> model, std::span<float> scratch,
                const std::function<void(std::span<const float>, std::span<float>)>& gradient,
                const std::function<void(std::span<float>)>& combine) {
  if (scratch.size() != model.size()) throw std::invalid_argument("dsgd_round: scratch and model differ in size");
  if (step.local_steps < 1) throw std::invalid_argument("dsgd_round: local_steps must be at least 1");
  if (step.order == DsgdOrder::kCombineThenAdapt) combine(model);
  local_steps(step, model, scratch, gradient);
  if (step.order == DsgdOrder::kAdaptThenCombine) combine(model);
}

}  // namespace gossip
