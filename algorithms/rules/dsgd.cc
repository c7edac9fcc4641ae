#include "algorithms/rules/dsgd.h"

#include <stdexcept>
#include <string>

#include "algorithms/message_seed.h"
#include "algorithms/rules/payloads.h"

namespace gossip {
namespace {

constexpr MessageKind kChannels[] = {MessageKind::kModel};

}  // namespace

Dsgd::Dsgd(DsgdOrder order, int local_steps, double consensus_step, std::size_t parameters, uint64_t seed,
           std::unique_ptr<Aggregator> aggregator, std::unique_ptr<Compressor> compressor, int late_rounds)
    : order_(order),
      local_steps_(local_steps),
      consensus_step_(consensus_step),
      parameters_(parameters),
      seed_(seed),
      aggregator_(std::move(aggregator)),
      compressor_(std::move(compressor)),
      lossy_(compressor_->codec() != Codec::kRawFloat32),
      late_(late_rounds) {
  if (local_steps_ < 1) throw std::invalid_argument("DSGD: local_steps must be at least 1, got " + std::to_string(local_steps_));
  if (!(consensus_step_ > 0 && consensus_step_ <= 1)) {
    throw std::invalid_argument("DSGD: the consensus step must be in (0, 1], got " + std::to_string(consensus_step_));
  }
  if (lossy_) error_.assign(parameters_, 0.0f);
}

std::span<const MessageKind> Dsgd::channels() const { return kChannels; }

std::size_t Dsgd::max_payload_bytes() const { return compressor_->max_wire_bytes(parameters_); }

void Dsgd::local_steps(RoundContext& round) {
  round.local.steps(round.model, local_steps_);
}

void Dsgd::begin_round(RoundContext& round) {
  if (order_ == DsgdOrder::kAdaptThenCombine) local_steps(round);
}

void Dsgd::end_round(RoundContext& round) {
  if (order_ == DsgdOrder::kCombineThenAdapt) local_steps(round);
}

std::span<const Payload> Dsgd::encode(MessageKind, RoundContext& round) {
  const uint64_t seed = message_seed(seed_, round.round, round.neighbourhood.self, MessageKind::kModel);
  if (!lossy_) {
    bytes_ = compressor_->encode(round.model, seed, encoded_);  // the model's own memory
  } else {
    // v = x + e goes out compressed; what it drops stays in e for the next rounds.
    sent_.resize(parameters_);
    for (std::size_t k = 0; k < parameters_; ++k) sent_[k] = round.model[k] + error_[k];
    bytes_ = compressor_->encode(sent_, seed, encoded_);
    const auto own = compressor_->decode(bytes_, parameters_, own_decoded_);
    // Only a model gone non-finite encodes to bytes its own decoder refuses.
    if (!own) {
      throw std::runtime_error("round " + std::to_string(round.round) +
                               ": the model is not finite (diverged: try a smaller learning_rate)");
    }
    const std::span<const float> decoded = *own;
    for (std::size_t k = 0; k < parameters_; ++k) error_[k] = sent_[k] - decoded[k];
    sent_.assign(decoded.begin(), decoded.end());
  }
  return send_to_all(round.neighbourhood, compressor_->codec(), bytes_, sends_);
}

CombineReport Dsgd::combine(MessageKind, RoundContext& round, std::span<const Payload> arrived) {
  const Neighbourhood& neighbourhood = round.neighbourhood;
  CombineReport report;
  decoded_.resize(std::max(decoded_.size(), neighbourhood.in.size()));
  contributions_.clear();
  std::vector<WeightedPeer> absent;
  for_each_arrival(neighbourhood, arrived, [&](std::size_t slot, const WeightedPeer& in, const Payload* payload) {
    Contribution contribution{in.peer, in.weight, {}};
    if (payload) {
      if (auto values = decode_arrival(*compressor_, *payload, parameters_, decoded_[slot], report)) {
        contribution.values = *values;
      }
    } else {
      absent.push_back(in);
    }
    contributions_.push_back(contribution);
  });
  late_.expire(round.round);
  if (plain()) {
    late_.missed(round.round, round.model, std::move(absent));
    report.missing = aggregator_->aggregate(round.model, neighbourhood.self_weight, contributions_).missing;
    return report;
  }
  // x += gamma (sum_j w_ij c_j - c_i): a missing neighbour's weight goes to c_i and adds nothing.
  if (!lossy_) sent_.assign(round.model.begin(), round.model.end());
  late_.missed(round.round, sent_, std::move(absent));
  mixed_.assign(sent_.begin(), sent_.end());
  report.missing = aggregator_->aggregate(mixed_, neighbourhood.self_weight, contributions_).missing;
  const float gamma = static_cast<float>(consensus_step_);
  for (std::size_t k = 0; k < parameters_; ++k) round.model[k] += gamma * (mixed_[k] - sent_[k]);
  return report;
}

// What the on-time combine would have added for j: gamma w_ij (c_j - c_i), c_i being what
// this peer mixed in j's place.
std::vector<int> Dsgd::combine_late(MessageKind, RoundContext& round, std::span<const LatePayload> late) {
  std::vector<int> applied;
  for (const LatePayload& item : late) {
    const auto stand = late_.take(item.round, item.payload.peer);
    if (!stand) continue;
    CombineReport refused;
    const auto values = decode_arrival(*compressor_, item.payload, parameters_, late_decoded_, refused);
    if (values && add_late_difference(round.model, consensus_step_ * stand->weight, *values, stand->own)) {
      applied.push_back(item.payload.peer);
    }
  }
  return applied;
}

std::vector<std::string> Dsgd::state_names() const {
  if (!lossy_) return {};
  return {"error_feedback"};
}

std::vector<StateSection> Dsgd::save_state() const {
  if (!lossy_) return {};
  return {float_section("error_feedback", error_)};
}

void Dsgd::restore_state(std::span<const StateSection> sections) {
  for (const auto& section : sections) read_floats(section, error_);
}

AlgorithmFactory dsgd_factory(DsgdOrder order) {
  return [order](AlgorithmContext context) -> std::unique_ptr<Algorithm> {
    require_doubly_stochastic(context);
    require_consensus_step(context);
    return std::make_unique<Dsgd>(order, context.settings.local_steps, context.settings.consensus_step,
                                  context.parameters, context.seed, std::move(context.aggregator),
                                  std::move(context.compressor), late_window(context));
  };
}

}  // namespace gossip
