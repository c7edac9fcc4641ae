#include "algorithms/rules/payloads.h"

#include "algorithms/registry.h"
#include "common/config_error.h"
#include "kernels/distances.h"

namespace gossip {

std::span<const Payload> send_to_all(const Neighbourhood& neighbourhood, Codec codec, std::span<const uint8_t> bytes,
                                     std::vector<Payload>& sends) {
  sends.clear();
  for (const WeightedPeer& out : neighbourhood.out) sends.push_back({out.peer, static_cast<uint8_t>(codec), bytes});
  return sends;
}

std::optional<std::span<const float>> decode_arrival(const Compressor& compressor, const Payload& payload,
                                                     std::size_t length, FloatBuffer& scratch, CombineReport& report) {
  std::optional<std::span<const float>> values;
  if (payload.codec == static_cast<uint8_t>(compressor.codec())) values = compressor.decode(payload.bytes, length, scratch);
  if (!values) {
    report.rejected.push_back(payload.peer);
    report.missing.push_back(payload.peer);
  }
  return values;
}

void require_identity_compressor(const AlgorithmContext& context, const char* why) {
  if (context.compressor->codec() != Codec::kRawFloat32) {
    throw ConfigError("training.compressor: " + context.settings.algorithm + " " + why + ", so it cannot use \"" +
                      context.settings.compressor + "\"; compressed gossip is \"algorithm\": \"choco\"");
  }
}

void require_doubly_stochastic(const AlgorithmContext& context) {
  if (!context.mixing.row_stochastic) {
    throw ConfigError("training.algorithm: " + context.settings.algorithm +
                      " mixes x_i <- sum_j w_ij x_j, which needs every row of W to sum to 1, and this W's rows do "
                      "not (its columns do: a directed graph with column-stochastic weights); such a W is for "
                      "\"algorithm\": \"push_sum\"");
  }
}

void require_consensus_step(const AlgorithmContext& context) {
  const double gamma = context.settings.consensus_step;
  if (!(gamma > 0 && gamma <= 1)) {
    throw ConfigError("training.consensus_step: " + context.settings.algorithm + " needs a step in (0, 1], got " +
                      std::to_string(gamma));
  }
}

void require_mean_aggregator(const AlgorithmContext& context, const char* why) {
  if (context.settings.aggregator != kDefaultAggregator) {
    throw ConfigError("training.aggregator: " + context.settings.algorithm + " " + why + ", so it cannot combine with \"" +
                      context.settings.aggregator + "\"; robust aggregation works with atc, cta and gradient_tracking");
  }
}

int late_window(const AlgorithmContext& context) {
  const bool mean = context.settings.aggregator == kDefaultAggregator && !context.settings.aggregator_options.contains("nnm");
  return mean ? context.settings.late_rounds : 0;
}

bool add_late_difference(std::span<float> out, double scale, std::span<const float> late, std::span<const float> own) {
  if (late.size() != out.size() || own.size() != out.size() || !cpu::all_finite(late.data(), late.size())) return false;
  const auto factor = static_cast<float>(scale);
  for (std::size_t k = 0; k < out.size(); ++k) out[k] += factor * (late[k] - own[k]);
  return true;
}

}  // namespace gossip
