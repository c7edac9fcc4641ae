#include "algorithms/rules/dsgd.h"

#include <stdexcept>
#include <string>

#include "algorithms/message_seed.h"

namespace gossip {
namespace {

constexpr MessageKind kChannels[] = {MessageKind::kModel};

}  // namespace

Dsgd::Dsgd(DsgdOrder order, int local_steps, std::size_t parameters, uint64_t seed,
           std::unique_ptr<Aggregator> aggregator, std::unique_ptr<Compressor> compressor)
    : order_(order),
      local_steps_(local_steps),
      parameters_(parameters),
      seed_(seed),
      aggregator_(std::move(aggregator)),
      compressor_(std::move(compressor)) {
  if (local_steps_ < 1) throw std::invalid_argument("DSGD: local_steps must be at least 1, got " + std::to_string(local_steps_));
}

std::span<const MessageKind> Dsgd::channels() const { return kChannels; }

std::size_t Dsgd::max_payload_bytes() const { return compressor_->wire_bytes(parameters_); }

void Dsgd::local_steps(RoundContext& round) {
  for (int step = 0; step < local_steps_; ++step) round.local.step(round.model);
}

void Dsgd::begin_round(RoundContext& round) {
  if (order_ == DsgdOrder::kAdaptThenCombine) local_steps(round);
}

void Dsgd::end_round(RoundContext& round) {
  if (order_ == DsgdOrder::kCombineThenAdapt) local_steps(round);
}

std::span<const Payload> Dsgd::encode(MessageKind, RoundContext& round) {
  const uint64_t seed = message_seed(seed_, round.round, round.neighbourhood.self, MessageKind::kModel);
  const std::span<const uint8_t> bytes = compressor_->encode(round.model, seed, encoded_);
  sends_.clear();
  for (const WeightedPeer& out : round.neighbourhood.out) {
    sends_.push_back({out.peer, static_cast<uint8_t>(compressor_->codec()), bytes});
  }
  return sends_;
}

CombineReport Dsgd::combine(MessageKind, RoundContext& round, std::span<const Payload> arrived) {
  const Neighbourhood& neighbourhood = round.neighbourhood;
  CombineReport report;
  decoded_.resize(std::max(decoded_.size(), neighbourhood.in.size()));
  contributions_.clear();
  std::size_t next = 0;
  for (std::size_t slot = 0; slot < neighbourhood.in.size(); ++slot) {
    const WeightedPeer& in = neighbourhood.in[slot];
    Contribution contribution{in.peer, in.weight, {}};
    // `arrived` is in in-neighbour order, so one pass pairs them up.
    if (next < arrived.size() && arrived[next].peer == in.peer) {
      const Payload& payload = arrived[next++];
      std::optional<std::span<const float>> values;
      if (payload.codec == static_cast<uint8_t>(compressor_->codec())) {
        values = compressor_->decode(payload.bytes, round.model.size(), decoded_[slot]);
      }
      if (values && !values->empty()) {
        contribution.values = *values;
      } else if (!values) {
        report.rejected.push_back(in.peer);
      }
    }
    contributions_.push_back(contribution);
  }
  report.missing = aggregator_->aggregate(round.model, neighbourhood.self_weight, contributions_).missing;
  return report;
}

}  // namespace gossip
