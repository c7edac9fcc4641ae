// Decentralized SGD, one round at peer i: K local steps and one gossip combine, in either
// order. Adapt-then-combine (ATC) steps first and mixes the result; combine-then-adapt
// (CTA) mixes first and steps from the mixed model.
#pragma once

#include <functional>

namespace gossip {

enum class DsgdOrder { kAdaptThenCombine, kCombineThenAdapt };

struct DsgdRound {
  DsgdOrder order = DsgdOrder::kAdaptThenCombine;
  int local_steps = 1;
};

// `local_step()` takes one optimizer step on the peer's model (its own gradient, its own
// optimizer); `combine()` mixes the model with the neighbours' (one gossip round).
void dsgd_round(const DsgdRound& round, const std::function<void()>& local_step, const std::function<void()>& combine);

}  // namespace gossip
