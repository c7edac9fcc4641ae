// Gradient tracking (DIGing: Nedic, Olshevsky and Shi 2017), with K local steps as in K-GT
// (Liu et al. 2023). DSGD's fixed point is biased when the peers' data differ: each peer's
// own gradient is not zero at the optimum of the average. A tracker y_i, a running estimate
// of the average gradient, removes that bias:
//
//   x_i <- sum_j w_ij x_j - alpha y_i
//   y_i <- sum_j w_ij y_j + g_i(x_i new) - g_i(x_i old),   y_i(0) = g_i(x_i(0))
//
// Written with a correction c_i = y_i - g_i (c_i(0) = 0), K local steps from x_i each move
// along the minibatch gradient plus c_i, and their mean direction d_i takes the place of
// y_i; one round is
//
//   d_i = mean of the K corrected gradients grad f_i(z) + c_i along z <- z - alpha (grad f_i(z) + c_i), z = x_i
//   x_i <- sum_j w_ij x_j - K alpha d_i
//   c_i <- c_i - d_i + sum_j w_ij d_j
//
// which with K = 1 is DIGing exactly (y_i = d_i). Weight decay is part of f_i (so it is
// tracked too). Momentum acts on the tracked direction: the optimizer's heavy-ball (or
// Nesterov) step is taken along K d_i from the mixed model, in place of the plain step
// above; the local steps that find d_i are plain. (Momentum inside the local steps, which
// then feeds the tracker, diverged with K = 2 at any step size we tried.) The fixed point
// has every d_i = 0 and, as sum_i c_i stays 0 under a doubly stochastic W,
// sum_i grad f_i = 0: the exact optimum.
//
// c_i is kept in float64: its updates shrink to nothing near the optimum, and in float32 the
// last of them are rounded away, each peer's differently, so that sum_i c_i drifts from 0
// (on the least-squares test, 3.2e-6 of the distance to the optimum is left at step 0.02
// with float32, 2.0e-6 with float64; the rest is the float32 model's own resolution, a
// step alpha d_i below half an ulp of x_i being lost).
//
// x_i and d_i travel in one message (kTracking: 2d float32, twice DSGD's bytes). A neighbour
// missing from a round is left out of both mixes, its weight going to the peer's own x_i
// and d_i; when its message comes within the late window, the difference is added to x_i
// and c_i (late_mix.h), so neither the mean model nor sum_i c_i = 0 is lost. A message that
// never comes leaves the sum of the c_i drifted by that round's difference.
#pragma once

#include <memory>

#include "algorithms/aggregator.h"
#include "algorithms/algorithm.h"
#include "algorithms/registry.h"
#include "algorithms/rules/late_mix.h"

namespace gossip {

class GradientTracking final : public Algorithm {
 public:
  GradientTracking(int local_steps, std::size_t parameters, std::unique_ptr<Aggregator> aggregator, int late_rounds = 0);

  std::span<const MessageKind> channels() const override;
  std::size_t max_payload_bytes() const override { return 8 * parameters_; }
  void begin_round(RoundContext& round) override;
  std::span<const Payload> encode(MessageKind channel, RoundContext& round) override;
  CombineReport combine(MessageKind channel, RoundContext& round, std::span<const Payload> arrived) override;
  std::vector<int> combine_late(MessageKind channel, RoundContext& round, std::span<const LatePayload> late) override;
  bool plain_payloads() const override { return true; }
  std::vector<std::string> state_names() const override { return {"correction"}; }
  std::vector<StateSection> save_state() const override;
  void restore_state(std::span<const StateSection> sections) override;

 private:
  const int local_steps_;
  const std::size_t parameters_;
  std::unique_ptr<Aggregator> aggregator_;
  std::vector<double> correction_;  // c_i
  FloatBuffer direction_;        // d_i of this round
  FloatBuffer trajectory_;       // z, the local steps' scratch
  FloatBuffer gradient_;         // of one local step
  FloatBuffer mixed_direction_;  // sum_j w_ij d_j
  std::vector<uint8_t> message_;
  std::vector<Payload> sends_;
  std::vector<Contribution> models_, directions_;
  LateMix late_;  // x_i and d_i as sent in rounds that missed a neighbour
};

// The registry's `gradient_tracking`: refuses a lossy compressor and a W whose rows do not
// sum to 1.
std::unique_ptr<Algorithm> make_gradient_tracking(AlgorithmContext context);

}  // namespace gossip
