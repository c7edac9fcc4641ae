#include "algorithms/rules/push_sum.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "algorithms/rules/payloads.h"
#include "common/config_error.h"

namespace gossip {
namespace {

constexpr MessageKind kChannels[] = {MessageKind::kPushSum};

}  // namespace

PushSum::PushSum(int local_steps, std::size_t parameters, std::unique_ptr<Aggregator> aggregator)
    : local_steps_(local_steps), parameters_(parameters), aggregator_(std::move(aggregator)), debiased_(parameters) {
  if (local_steps_ < 1) throw std::invalid_argument("push-sum: local_steps must be at least 1");
}

std::span<const MessageKind> PushSum::channels() const { return kChannels; }

void PushSum::begin_round(RoundContext& round) {
  const auto weight = static_cast<float>(weight_);
  for (std::size_t k = 0; k < parameters_; ++k) debiased_[k] = round.model[k] / weight;
  round.local.steps(debiased_, local_steps_);
  for (std::size_t k = 0; k < parameters_; ++k) round.model[k] = debiased_[k] * weight;
}

std::span<const Payload> PushSum::encode(MessageKind, RoundContext& round) {
  message_.resize(8 + 4 * parameters_);
  std::memcpy(message_.data(), &weight_, 8);
  if (parameters_ > 0) std::memcpy(message_.data() + 8, round.model.data(), 4 * parameters_);
  return send_to_all(round.neighbourhood, Codec::kRawFloat32, message_, sends_);
}

CombineReport PushSum::combine(MessageKind, RoundContext& round, std::span<const Payload> arrived) {
  const Neighbourhood& neighbourhood = round.neighbourhood;
  CombineReport report;
  decoded_.resize(std::max(decoded_.size(), neighbourhood.in.size()));
  contributions_.clear();
  double weight = neighbourhood.self_weight * weight_;
  for_each_arrival(neighbourhood, arrived, [&](std::size_t slot, const WeightedPeer& in, const Payload* payload) {
    Contribution contribution{in.peer, in.weight, {}};
    double their_weight = 0;
    const bool valid = payload && payload->codec == static_cast<uint8_t>(Codec::kRawFloat32) &&
                       payload->bytes.size() == 8 + 4 * parameters_ &&
                       (std::memcpy(&their_weight, payload->bytes.data(), 8), std::isfinite(their_weight)) &&
                       their_weight > 0;
    if (valid) {
      decoded_[slot].resize(parameters_);
      if (parameters_ > 0) std::memcpy(decoded_[slot].data(), payload->bytes.data() + 8, 4 * parameters_);
      contribution.values = decoded_[slot];
      weight += in.weight * their_weight;
    } else {
      if (payload) report.rejected.push_back(in.peer);
      weight += in.weight * weight_;  // its share is replaced by the peer's own, as for x_i
    }
    contributions_.push_back(contribution);
  });
  report.missing = aggregator_->aggregate(round.model, neighbourhood.self_weight, contributions_).missing;
  weight_ = weight;
  return report;
}

std::span<const float> PushSum::evaluated_model(std::span<const float> model) const {
  evaluated_.resize(model.size());
  const auto weight = static_cast<float>(weight_);
  for (std::size_t k = 0; k < model.size(); ++k) evaluated_[k] = model[k] / weight;
  return evaluated_;
}

std::vector<StateSection> PushSum::save_state() const {
  return {{"weight", std::string(reinterpret_cast<const char*>(&weight_), sizeof weight_)}};
}

void PushSum::restore_state(std::span<const StateSection> sections) {
  for (const auto& section : sections) {
    double weight = 0;
    if (section.bytes.size() != sizeof weight) {
      throw std::invalid_argument("section \"weight\" holds " + std::to_string(section.bytes.size()) +
                                  " bytes, expected 8 (a float64)");
    }
    std::memcpy(&weight, section.bytes.data(), sizeof weight);
    if (!(weight > 0) || !std::isfinite(weight)) throw std::invalid_argument("section \"weight\" is not a positive number");
    weight_ = weight;
  }
}

std::unique_ptr<Algorithm> make_push_sum(AlgorithmContext context) {
  require_identity_compressor(context, "sends its weight and model as they are");
  if (!context.mixing.column_stochastic) {
    throw ConfigError("training.algorithm: push_sum needs every column of W to sum to 1 (each peer gives away all "
                      "of its mass), and this W's columns do not");
  }
  require_mean_aggregator(context, "must pass on every share of mass it receives (dropping one biases z_i = x_i / w_i "
                                   "for good)");
  return std::make_unique<PushSum>(context.settings.local_steps, context.parameters, std::move(context.aggregator));
}

}  // namespace gossip
