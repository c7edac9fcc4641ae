// Push-sum (Kempe, Dobra and Gehrke 2003), trained as in SGP (Assran et al. 2019): gossip on
// a directed graph whose W is column stochastic (each peer splits all of its mass over
// itself and its out-neighbours) but not row stochastic, so plain mixing would not average.
// Each peer keeps a weight w_i (1 at the start) beside its model and mixes both alike:
//
//   x_i <- sum_j W_ij x_j,   w_i <- sum_j W_ij w_j,   z_i = x_i / w_i
//
// and z_i, the de-biased model, converges to the true average. The local steps are taken
// on z_i (where the task's gradient is evaluated) and x_i = w_i z_i after them, and z_i is
// what is evaluated and reported. A neighbour missing from a round is replaced by the
// peer's own (x_i, w_i), alike, so z_i stays a convex combination.
//
// Wire format (kPushSum, codec raw): the weight as float64, then x_i as d float32.
#pragma once

#include <memory>

#include "algorithms/aggregator.h"
#include "algorithms/algorithm.h"
#include "algorithms/registry.h"

namespace gossip {

class PushSum final : public Algorithm {
 public:
  PushSum(int local_steps, std::size_t parameters, std::unique_ptr<Aggregator> aggregator);

  std::span<const MessageKind> channels() const override;
  std::size_t max_payload_bytes() const override { return 8 + 4 * parameters_; }
  void begin_round(RoundContext& round) override;
  std::span<const Payload> encode(MessageKind channel, RoundContext& round) override;
  CombineReport combine(MessageKind channel, RoundContext& round, std::span<const Payload> arrived) override;
  std::span<const float> evaluated_model(std::span<const float> model) const override;
  std::vector<std::string> state_names() const override { return {"weight"}; }
  std::vector<StateSection> save_state() const override;
  void restore_state(std::span<const StateSection> sections) override;

  double weight() const { return weight_; }

 private:
  const int local_steps_;
  const std::size_t parameters_;
  std::unique_ptr<Aggregator> aggregator_;
  double weight_ = 1.0;
  FloatBuffer debiased_;              // z_i
  mutable FloatBuffer evaluated_;     // z_i for evaluated_model
  std::vector<uint8_t> message_;
  std::vector<FloatBuffer> decoded_;  // by in-neighbour slot: aligned copies of their x_j
  std::vector<Payload> sends_;
  std::vector<Contribution> contributions_;
};

// The registry's `push_sum`: needs a column-stochastic W and the identity compressor.
std::unique_ptr<Algorithm> make_push_sum(AlgorithmContext context);

}  // namespace gossip
