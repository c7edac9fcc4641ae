#include "algorithms/attacks/vector_attack.h"

#include <cmath>

#include "algorithms/compressor.h"

namespace gossip {
namespace {

std::span<const float> floats(std::span<const uint8_t> bytes) {
  return {reinterpret_cast<const float*>(bytes.data()), bytes.size() / sizeof(float)};
}

}  // namespace

std::span<const Payload> VectorAttack::rewrite(const AttackContext& context) {
  sends_.clear();
  lies_.resize(std::max(lies_.size(), context.honest.size()));
  for (std::size_t i = 0; i < context.honest.size(); ++i) {
    const Payload& honest = context.honest[i];
    const std::span<const float> values = floats(honest.bytes);
    std::vector<std::span<const float>> heard;
    std::span<const float> from_target;
    for (const Payload& payload : context.heard) {
      if (payload.bytes.size() != honest.bytes.size()) continue;
      heard.push_back(floats(payload.bytes));
      if (payload.peer == honest.peer) from_target = heard.back();
    }
    FloatBuffer& out = lies_[i];
    out.resize(values.size());
    if (!lie({honest.peer, values, from_target, heard, context.seed ^ static_cast<uint64_t>(honest.peer)}, out)) {
      out.assign(values.begin(), values.end());
    }
    sends_.push_back({honest.peer, static_cast<uint8_t>(Codec::kRawFloat32),
                      {reinterpret_cast<const uint8_t*>(out.data()), out.size() * sizeof(float)}});
  }
  return sends_;
}

Moments moments(std::span<const std::span<const float>> vectors, std::span<const float> also) {
  const std::size_t length = also.size();
  Moments result{std::vector<double>(length, 0.0), std::vector<double>(length, 0.0)};
  const double n = static_cast<double>(vectors.size() + 1);
  auto each = [&](auto&& visit) {
    visit(also);
    for (const auto& vector : vectors) visit(vector);
  };
  each([&](std::span<const float> v) {
    for (std::size_t k = 0; k < length; ++k) result.mean[k] += v[k] / n;
  });
  each([&](std::span<const float> v) {
    for (std::size_t k = 0; k < length; ++k) result.deviation[k] += (v[k] - result.mean[k]) * (v[k] - result.mean[k]) / n;
  });
  for (double& value : result.deviation) value = std::sqrt(value);
  return result;
}

}  // namespace gossip
