#include "algorithms/rules/gradient_tracking.h"

#include <cstring>

#include "algorithms/rules/payloads.h"
#include "kernels/distances.h"

namespace gossip {
namespace {

constexpr MessageKind kChannels[] = {MessageKind::kTracking};

std::span<const float> floats(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const float*>(bytes.data()), bytes.size() / sizeof(float)};
}

// Inbox buffers are aligned for float; anything but exactly 2d raw floats is refused.
bool valid_tracking_payload(const Payload& payload, std::size_t parameters) {
  return payload.codec == static_cast<uint8_t>(Codec::kRawFloat32) && payload.bytes.size() == 8 * parameters &&
         reinterpret_cast<std::uintptr_t>(payload.bytes.data()) % alignof(float) == 0;
}

}  // namespace

GradientTracking::GradientTracking(int local_steps, std::size_t parameters, std::unique_ptr<Aggregator> aggregator,
                                   int late_rounds)
    : local_steps_(local_steps),
      parameters_(parameters),
      aggregator_(std::move(aggregator)),
      correction_(parameters, 0.0),
      direction_(parameters),
      trajectory_(parameters),
      gradient_(parameters),
      mixed_direction_(parameters),
      late_(late_rounds) {
  if (local_steps_ < 1) throw std::invalid_argument("gradient tracking: local_steps must be at least 1");
}

std::span<const MessageKind> GradientTracking::channels() const { return kChannels; }

void GradientTracking::begin_round(RoundContext& round) {
  trajectory_.assign(round.model.begin(), round.model.end());
  std::fill(direction_.begin(), direction_.end(), 0.0f);
  const auto step = static_cast<float>(round.learning_rate);
  for (int k = 0; k < local_steps_; ++k) {
    round.local.gradient(trajectory_, gradient_);
    const bool last = k + 1 == local_steps_;
    for (std::size_t j = 0; j < parameters_; ++j) {
      const float corrected = gradient_[j] + static_cast<float>(correction_[j]);
      direction_[j] += corrected;
      if (!last) trajectory_[j] -= step * corrected;
    }
  }
  if (local_steps_ > 1) {
    const float mean = 1.0f / static_cast<float>(local_steps_);
    for (float& value : direction_) value *= mean;
  }
}

std::span<const Payload> GradientTracking::encode(MessageKind, RoundContext& round) {
  message_.resize(8 * parameters_);
  if (parameters_ > 0) {
    std::memcpy(message_.data(), round.model.data(), 4 * parameters_);
    std::memcpy(message_.data() + 4 * parameters_, direction_.data(), 4 * parameters_);
  }
  return send_to_all(round.neighbourhood, Codec::kRawFloat32, message_, sends_);
}

CombineReport GradientTracking::combine(MessageKind, RoundContext& round, std::span<const Payload> arrived) {
  const Neighbourhood& neighbourhood = round.neighbourhood;
  CombineReport report;
  models_.clear();
  directions_.clear();
  std::vector<WeightedPeer> absent;
  for_each_arrival(neighbourhood, arrived, [&](std::size_t, const WeightedPeer& in, const Payload* payload) {
    Contribution model{in.peer, in.weight, {}}, direction{in.peer, in.weight, {}};
    if (!payload) {
      absent.push_back(in);
    } else {
      const bool valid = valid_tracking_payload(*payload, parameters_);
      if (valid && parameters_ > 0) {
        model.values = floats(payload->bytes.first(4 * parameters_));
        direction.values = floats(payload->bytes.subspan(4 * parameters_));
      } else if (!valid) {
        report.rejected.push_back(in.peer);
      }
    }
    models_.push_back(model);
    directions_.push_back(direction);
  });
  late_.expire(round.round);
  late_.missed(round.round, floats(message_), std::move(absent));
  report.missing = aggregator_->aggregate(round.model, neighbourhood.self_weight, models_).missing;
  mixed_direction_.assign(direction_.begin(), direction_.end());
  aggregator_->aggregate(mixed_direction_, neighbourhood.self_weight, directions_);
  // x_i -= alpha K d_i, through the optimizer (which adds its momentum).
  if (local_steps_ == 1) {
    round.local.momentum_step(round.model, direction_);
  } else {
    trajectory_.assign(direction_.begin(), direction_.end());
    for (float& value : trajectory_) value *= static_cast<float>(local_steps_);
    round.local.momentum_step(round.model, trajectory_);
  }
  for (std::size_t k = 0; k < parameters_; ++k) correction_[k] += double{mixed_direction_[k]} - direction_[k];
  return report;
}

std::vector<int> GradientTracking::combine_late(MessageKind, RoundContext& round, std::span<const LatePayload> late) {
  std::vector<int> applied;
  for (const LatePayload& item : late) {
    const auto stand = late_.take(item.round, item.payload.peer);
    if (!stand) continue;
    const Payload& payload = item.payload;
    if (!valid_tracking_payload(payload, parameters_) || parameters_ == 0) continue;
    const std::span<const float> model = floats(payload.bytes.first(4 * parameters_));
    const std::span<const float> direction = floats(payload.bytes.subspan(4 * parameters_));
    const std::span<const float> own_direction = stand->own.subspan(parameters_);
    if (!cpu::all_finite(direction.data(), parameters_) ||
        !add_late_difference(round.model, stand->weight, model, stand->own.first(parameters_))) {
      continue;
    }
    for (std::size_t k = 0; k < parameters_; ++k) {
      correction_[k] += stand->weight * (double{direction[k]} - own_direction[k]);
    }
    applied.push_back(payload.peer);
  }
  return applied;
}

std::vector<StateSection> GradientTracking::save_state() const { return {double_section("correction", correction_)}; }

void GradientTracking::restore_state(std::span<const StateSection> sections) {
  for (const auto& section : sections) read_doubles(section, correction_);
}

std::unique_ptr<Algorithm> make_gradient_tracking(AlgorithmContext context) {
  require_identity_compressor(context, "sends its model and tracker as they are");
  require_doubly_stochastic(context);
  return std::make_unique<GradientTracking>(context.settings.local_steps, context.parameters,
                                            std::move(context.aggregator), late_window(context));
}

}  // namespace gossip
