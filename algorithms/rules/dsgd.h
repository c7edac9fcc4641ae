// Decentralized SGD (Lian et al. 2017), one round at peer i: K local steps and one gossip
// combine x_i <- sum_j w_ij x_j, in either order. Adapt-then-combine (ATC, the `atc`
// setting) steps first and mixes the result; combine-then-adapt (CTA, `cta`) mixes first
// and steps from the mixed model. One message a round: the model, through the compressor.
#pragma once

#include <memory>

#include "algorithms/aggregator.h"
#include "algorithms/algorithm.h"
#include "algorithms/compressor.h"

namespace gossip {

enum class DsgdOrder { kAdaptThenCombine, kCombineThenAdapt };

class Dsgd final : public Algorithm {
 public:
  // Throws std::invalid_argument for local_steps < 1.
  Dsgd(DsgdOrder order, int local_steps, std::size_t parameters, uint64_t seed,
       std::unique_ptr<Aggregator> aggregator, std::unique_ptr<Compressor> compressor);

  std::span<const MessageKind> channels() const override;
  std::size_t max_payload_bytes() const override;
  void begin_round(RoundContext& round) override;
  std::span<const Payload> encode(MessageKind channel, RoundContext& round) override;
  CombineReport combine(MessageKind channel, RoundContext& round, std::span<const Payload> arrived) override;
  void end_round(RoundContext& round) override;

 private:
  void local_steps(RoundContext& round);

  const DsgdOrder order_;
  const int local_steps_;
  const std::size_t parameters_;
  const uint64_t seed_;
  std::unique_ptr<Aggregator> aggregator_;
  std::unique_ptr<Compressor> compressor_;
  std::vector<uint8_t> encoded_;  // the compressor's scratch for the outgoing model
  std::vector<Payload> sends_;
  std::vector<FloatBuffer> decoded_;  // by in-neighbour slot: scratch for decoding
  std::vector<Contribution> contributions_;
};

}  // namespace gossip
