// Decentralized SGD (Lian et al. 2017), one round at peer i: K local steps and one gossip
// combine x_i <- sum_j w_ij x_j, in either order. Adapt-then-combine (ATC, the `atc`
// setting) steps first and mixes the result; combine-then-adapt (CTA, `cta`) mixes first
// and steps from the mixed model. One message a round: the model.
//
// With a lossy compressor it sends the model compressed, with error feedback (as in
// DeepSqueeze, Tang et al. 2019): c_i = C(x_i + e_i), e_i <- x_i + e_i - c_i, and
// x_i <- x_i + gamma (sum_j w_ij c_j - c_i) with gamma the consensus step; what one round's
// compression drops is sent in later rounds. With the identity compressor and gamma = 1
// this is exactly the plain combine (and the one the code runs then). A neighbour's model
// that comes after the deadline is added when it comes (late_mix.h), so the average holds.
#pragma once

#include <memory>

#include "algorithms/aggregator.h"
#include "algorithms/algorithm.h"
#include "algorithms/compressor.h"
#include "algorithms/registry.h"
#include "algorithms/rules/late_mix.h"

namespace gossip {

enum class DsgdOrder { kAdaptThenCombine, kCombineThenAdapt };

class Dsgd final : public Algorithm {
 public:
  // Throws std::invalid_argument for local_steps < 1 or a consensus step outside (0, 1].
  Dsgd(DsgdOrder order, int local_steps, double consensus_step, std::size_t parameters, uint64_t seed,
       std::unique_ptr<Aggregator> aggregator, std::unique_ptr<Compressor> compressor, int late_rounds = 0);

  std::span<const MessageKind> channels() const override;
  std::size_t max_payload_bytes() const override;
  void begin_round(RoundContext& round) override;
  std::span<const Payload> encode(MessageKind channel, RoundContext& round) override;
  CombineReport combine(MessageKind channel, RoundContext& round, std::span<const Payload> arrived) override;
  void end_round(RoundContext& round) override;
  std::vector<int> combine_late(MessageKind channel, RoundContext& round, std::span<const LatePayload> late) override;
  bool plain_payloads() const override { return !lossy_; }
  std::vector<std::string> state_names() const override;
  std::vector<StateSection> save_state() const override;
  void restore_state(std::span<const StateSection> sections) override;

 private:
  void local_steps(RoundContext& round);
  bool plain() const { return !lossy_ && consensus_step_ == 1.0; }

  const DsgdOrder order_;
  const int local_steps_;
  const double consensus_step_;
  const std::size_t parameters_;
  const uint64_t seed_;
  std::unique_ptr<Aggregator> aggregator_;
  std::unique_ptr<Compressor> compressor_;
  const bool lossy_;                  // not the identity: error feedback applies
  FloatBuffer error_;                 // e_i, lossy only
  FloatBuffer sent_;                  // c_i, what the neighbours decode from this peer
  FloatBuffer own_decoded_, mixed_;   // scratch of the compressed combine
  std::vector<uint8_t> encoded_;      // the compressor's scratch for the outgoing bytes
  std::span<const uint8_t> bytes_;    // this round's outgoing bytes
  std::vector<Payload> sends_;
  std::vector<FloatBuffer> decoded_;  // by in-neighbour slot: scratch for decoding
  std::vector<Contribution> contributions_;
  LateMix late_;                      // c_i of rounds that missed a neighbour
  FloatBuffer late_decoded_;
};

// The factory for the registry: `atc` and `cta`. Refuses a W whose rows do not sum to 1.
AlgorithmFactory dsgd_factory(DsgdOrder order);

}  // namespace gossip
