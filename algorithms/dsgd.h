// Decentralized SGD, one round at peer i: K local steps and one gossip combine, in either
// order. Adapt-then-combine (ATC) steps first and mixes the result; combine-then-adapt
// (CTA) mixes first and steps from the mixed model.
#pragma once

#include <functional>
#include <span>

namespace gossip {

enum class DsgdOrder { kAdaptThenCombine, kCombineThenAdapt };

struct DsgdStep {
  DsgdOrder order = DsgdOrder::kAdaptThenCombine;
  int local_steps = 1;
  double learning_rate = 0.1;
};

// `gradient(x, g)` writes a (stochastic) gradient at x into g; `combine(x)` mixes x with
// the neighbours in place (one gossip round). `scratch` holds one gradient.
void dsgd_round(const DsgdStep& step, std::span<float> model, std::span<float> scratch,
                const std::function<void(std::span<const float>, std::span<float>)>& gradient,
                const std::function<void(std::span<float>)>& combine);

}  // namespace gossip
