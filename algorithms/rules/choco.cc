#include "algorithms/rules/choco.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "algorithms/message_seed.h"
#include "algorithms/rules/payloads.h"
#include "common/config_error.h"

namespace gossip {
namespace {

constexpr MessageKind kChannels[] = {MessageKind::kChoco};
constexpr uint8_t kAskForCopy = 1, kCopyFollows = 2;

// out += weight * the float32 values at `bytes` (any alignment).
void add_scaled_bytes(std::span<float> out, double weight, std::span<const uint8_t> bytes) {
  const float w = static_cast<float>(weight);
  for (std::size_t k = 0; k < out.size(); ++k) {
    float value;
    std::memcpy(&value, bytes.data() + 4 * k, 4);
    out[k] += w * value;
  }
}

}  // namespace

Choco::Choco(int local_steps, double consensus_step, std::size_t parameters, uint64_t seed,
             std::unique_ptr<Compressor> compressor)
    : local_steps_(local_steps),
      consensus_step_(static_cast<float>(consensus_step)),
      parameters_(parameters),
      seed_(seed),
      compressor_(std::move(compressor)),
      scale_(static_cast<float>(contraction_scale(*compressor_, parameters))),
      public_copy_(parameters, 0.0f),
      neighbour_sum_(parameters, 0.0f),
      difference_(parameters),
      change_(parameters) {
  if (local_steps_ < 1) throw std::invalid_argument("CHOCO: local_steps must be at least 1");
}

std::span<const MessageKind> Choco::channels() const { return kChannels; }

std::size_t Choco::max_payload_bytes() const { return 1 + compressor_->max_wire_bytes(parameters_) + 4 * parameters_; }

void Choco::start(std::span<const float> initial_model) {
  // x_hat_j = x_0 for every j, so S_i = sum_j w_ij x_0 = x_0.
  public_copy_.assign(initial_model.begin(), initial_model.end());
  neighbour_sum_.assign(initial_model.begin(), initial_model.end());
}

void Choco::begin_round(RoundContext& round) {
  round.local.steps(round.model, local_steps_);
}

std::span<const Payload> Choco::encode(MessageKind, RoundContext& round) {
  for (std::size_t k = 0; k < parameters_; ++k) difference_[k] = round.model[k] - public_copy_[k];
  const uint64_t seed = message_seed(seed_, round.round, round.neighbourhood.self, MessageKind::kChoco);
  const std::span<const uint8_t> bytes = compressor_->encode(difference_, seed, encoded_);
  // q_i exactly as the neighbours will decode it, so every copy of x_hat_i stays equal.
  const auto own = compressor_->decode(bytes, parameters_, decoded_);
  // Only a change gone non-finite, or past float32's range as a whole (QSGD's norm), encodes
  // to bytes its own decoder refuses.
  if (!own) {
    throw std::runtime_error("round " + std::to_string(round.round) +
                             ": the model's change is not finite or too large to encode (diverged: try a smaller "
                             "learning_rate or consensus_step)");
  }
  const std::span<const float> decoded = *own;
  const auto self_weight = static_cast<float>(round.neighbourhood.self_weight);
  for (std::size_t k = 0; k < parameters_; ++k) {
    change_[k] = scale_ * decoded[k];
    public_copy_[k] += change_[k];
    neighbour_sum_[k] += self_weight * change_[k];
  }
  const uint8_t flags = need_copies_ ? kAskForCopy : 0;
  message_.assign(1, flags);
  message_.insert(message_.end(), bytes.begin(), bytes.end());
  if (!copy_requested_.empty()) {
    message_with_copy_ = message_;
    message_with_copy_[0] |= kCopyFollows;
    const auto* copy = reinterpret_cast<const uint8_t*>(public_copy_.data());
    message_with_copy_.insert(message_with_copy_.end(), copy, copy + 4 * parameters_);
  }
  sends_.clear();
  const auto codec = static_cast<uint8_t>(compressor_->codec());
  for (const WeightedPeer& out : round.neighbourhood.out) {
    sends_.push_back({out.peer, codec, copy_requested_.count(out.peer) ? message_with_copy_ : message_});
  }
  copy_requested_.clear();
  return sends_;
}

CombineReport Choco::combine(MessageKind, RoundContext& round, std::span<const Payload> arrived) {
  const Neighbourhood& neighbourhood = round.neighbourhood;
  const std::size_t most_change_bytes = compressor_->max_wire_bytes(parameters_);
  CombineReport report;
  // One pass adds up the changes and notes the copies; whether the copies or the changes
  // update S_i is known only once every neighbour has been seen.
  std::fill(difference_.begin(), difference_.end(), 0.0f);  // reused: sum_j w_ij q_j
  std::vector<std::pair<double, std::span<const uint8_t>>> copies;
  for_each_arrival(neighbourhood, arrived, [&](std::size_t, const WeightedPeer& in, const Payload* payload) {
    if (!payload) {
      report.missing.push_back(in.peer);
      return;
    }
    const std::span<const uint8_t> bytes = payload->bytes;
    const uint8_t flags = bytes.empty() ? 0xff : bytes[0];
    const std::size_t copy_bytes = (flags & kCopyFollows) ? 4 * parameters_ : 0;
    if ((flags & ~(kAskForCopy | kCopyFollows)) || bytes.size() < 1 + copy_bytes ||
        bytes.size() - 1 - copy_bytes > most_change_bytes) {
      report.rejected.push_back(in.peer);
      report.missing.push_back(in.peer);
      return;
    }
    const std::size_t change_bytes = bytes.size() - 1 - copy_bytes;
    const Payload change{payload->peer, payload->codec, bytes.subspan(1, change_bytes)};
    const auto values = decode_arrival(*compressor_, change, parameters_, decoded_, report);
    if (!values) return;
    if (flags & kAskForCopy) copy_requested_.insert(in.peer);
    const float weight = static_cast<float>(in.weight) * scale_;
    for (std::size_t k = 0; k < parameters_; ++k) difference_[k] += weight * (*values)[k];
    if (copy_bytes > 0) copies.emplace_back(in.weight, bytes.subspan(1 + change_bytes));
  });
  std::sort(report.missing.begin(), report.missing.end());

  if (need_copies_ && report.missing.empty() && copies.size() == neighbourhood.in.size()) {
    const auto self_weight = static_cast<float>(neighbourhood.self_weight);
    for (std::size_t k = 0; k < parameters_; ++k) neighbour_sum_[k] = self_weight * public_copy_[k];
    for (const auto& [weight, copy] : copies) add_scaled_bytes(neighbour_sum_, weight, copy);
    need_copies_ = false;
  } else {
    for (std::size_t k = 0; k < parameters_; ++k) neighbour_sum_[k] += difference_[k];
    if (!report.missing.empty()) need_copies_ = true;
  }
  for (std::size_t k = 0; k < parameters_; ++k) {
    round.model[k] += consensus_step_ * (neighbour_sum_[k] - public_copy_[k]);
  }
  return report;
}

std::vector<StateSection> Choco::save_state() const {
  // The resync in progress too, so that a run stopped and resumed as a whole repeats it.
  std::string resync(1, need_copies_ ? '\1' : '\0');
  for (int peer : copy_requested_) resync.append(reinterpret_cast<const char*>(&peer), sizeof peer);
  return {float_section("public_copy", public_copy_), float_section("neighbour_sum", neighbour_sum_),
          {"resync", resync}};
}

void Choco::restore_state(std::span<const StateSection> sections) {
  for (const auto& section : sections) {
    if (section.name == "resync") {
      const std::string& bytes = section.bytes;
      if (bytes.empty() || (bytes.size() - 1) % sizeof(int) != 0 || static_cast<uint8_t>(bytes[0]) > 1) {
        throw std::invalid_argument("section \"resync\" is malformed (" + std::to_string(bytes.size()) + " bytes)");
      }
      need_copies_ = bytes[0] == 1;
      copy_requested_.clear();
      for (std::size_t offset = 1; offset < bytes.size(); offset += sizeof(int)) {
        int peer;
        std::memcpy(&peer, bytes.data() + offset, sizeof peer);
        copy_requested_.insert(peer);
      }
    } else {
      read_floats(section, section.name == "public_copy" ? std::span<float>(public_copy_) : std::span<float>(neighbour_sum_));
    }
  }
}

std::unique_ptr<Algorithm> make_choco(AlgorithmContext context) {
  const MixingProperties& mixing = context.mixing;
  if (mixing.time_varying || !mixing.symmetric || !mixing.row_stochastic || !mixing.column_stochastic) {
    throw ConfigError(
        "training.algorithm: choco keeps S_i = sum_j w_ij x_hat_j over fixed weights and asks its neighbours for "
        "their copies, so it needs a static, symmetric, doubly stochastic W; this topology's is " +
        std::string(mixing.time_varying ? "time-varying" : !mixing.symmetric ? "not symmetric" : "not doubly stochastic"));
  }
  require_consensus_step(context);
  require_mean_aggregator(context, "adds its neighbours' compressed changes into one running sum S_i, where no "
                                   "robust rule can see, let alone drop, a single neighbour's model");
  return std::make_unique<Choco>(context.settings.local_steps, context.settings.consensus_step, context.parameters,
                                 context.seed, std::move(context.compressor));
}

}  // namespace gossip
