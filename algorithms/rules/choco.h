// CHOCO-SGD (Koloskova, Stich and Jaggi 2019): gossip that sends only a compressed change.
// Every peer keeps a public copy x_hat_i of its model that its neighbours also hold; each
// round, after its K local steps,
//
//   q_i = s C(x_i - x_hat_i)            s: the compressor's contraction scale (compressor.h)
//   x_hat_i <- x_hat_i + q_i            (and every neighbour adds q_i to its copy of x_hat_i)
//   x_i <- x_i + gamma (sum_j w_ij x_hat_j - x_hat_i)
//
// with gamma the consensus step. Every public copy starts as the initial model, which every
// peer knows (it is drawn from the run seed), so nothing is spent sending it; with models
// that differ from the start (CHOCO-gossip on given vectors), they start at 0. A peer keeps
// only its own x_hat_i and the weighted sum
// S_i = sum_j w_ij x_hat_j (itself included), updated as S_i += sum_j w_ij q_j: two
// model-sized buffers whatever its degree. With the identity compressor and gamma = 1 it
// is exact gossip; with zero learning rate it is CHOCO-gossip, which keeps the average.
//
// A missed message breaks S_i = sum_j w_ij x_hat_j for good: the sender has moved its copy
// on, the receiver never added the change. So a peer that misses (or refuses) a neighbour's
// message asks all its neighbours, in its next messages, for their public copies; each
// answers in its following message with its whole x_hat_j beside the usual q_j, and once
// every neighbour's copy has come in one round the peer rebuilds S_i from them. Until then
// it goes on adding the changes that do arrive. A peer that restarts while its neighbours go
// on misses them (and they it) on the way back, and so asks (and is asked) the same way.
//
// Wire format (kChoco, codec: the compressor's): one flags byte (bit 0: "send me your public
// copy", bit 1: "my public copy follows"; other bits 0), the compressor's encoding of
// C(x_i - x_hat_i), then with bit 1 the updated x_hat_i as d float32 (the last 4d bytes).
#pragma once

#include <memory>
#include <set>

#include "algorithms/aggregator.h"
#include "algorithms/algorithm.h"
#include "algorithms/compressor.h"
#include "algorithms/registry.h"

namespace gossip {

class Choco final : public Algorithm {
 public:
  Choco(int local_steps, double consensus_step, std::size_t parameters, uint64_t seed,
        std::unique_ptr<Compressor> compressor);

  std::span<const MessageKind> channels() const override;
  std::size_t max_payload_bytes() const override;
  void start(std::span<const float> initial_model) override;
  void begin_round(RoundContext& round) override;
  std::span<const Payload> encode(MessageKind channel, RoundContext& round) override;
  CombineReport combine(MessageKind channel, RoundContext& round, std::span<const Payload> arrived) override;
  std::vector<std::string> state_names() const override { return {"public_copy", "neighbour_sum", "resync"}; }
  std::vector<StateSection> save_state() const override;
  void restore_state(std::span<const StateSection> sections) override;

  // Whether this peer is waiting for its neighbours' copies to rebuild S_i (for tests).
  bool resyncing() const { return need_copies_; }

 private:
  const int local_steps_;
  const float consensus_step_;
  const std::size_t parameters_;
  const uint64_t seed_;
  std::unique_ptr<Compressor> compressor_;
  const float scale_;               // the compressor's contraction scale for d values
  FloatBuffer public_copy_;         // x_hat_i
  FloatBuffer neighbour_sum_;       // S_i = sum_j w_ij x_hat_j, j = i included
  FloatBuffer difference_, change_;  // x_i - x_hat_i, q_i
  FloatBuffer decoded_;
  bool need_copies_ = false;        // S_i is stale: ask for copies
  std::set<int> copy_requested_;    // neighbours that asked for x_hat_i
  std::vector<uint8_t> encoded_;
  std::vector<uint8_t> message_, message_with_copy_;
  std::vector<Payload> sends_;
};

// The registry's `choco`: needs a static, symmetric, doubly stochastic W (S_i is a sum over
// fixed weights) and a consensus step in (0, 1].
std::unique_ptr<Algorithm> make_choco(AlgorithmContext context);

}  // namespace gossip
