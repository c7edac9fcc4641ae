// libFuzzer target for what a neighbour's payload goes through before it reaches a model:
// every compressor's decode, and every update rule's combine (its framing: CHOCO's flags and
// copies, gradient tracking's two halves, push-sum's weight). No input may crash, read out
// of bounds, or put a vector of the wrong size into the model.
//
// Input layout: [0] case (mod 10: the five compressors' decode, then the rules atc with
// top-k, gradient_tracking, choco with top-k, choco with sign, push_sum), [1..2] d = u16 %
// 1024, [3] codec of the payload, [4] flags (bit 0: the second in-neighbour's payload is the
// same bytes), [5..] the payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "algorithms/registry.h"

using namespace gossip;

namespace {

const char* const kCompressors[] = {"identity", "top_k", "random_k", "qsgd", "sign"};
const nlohmann::json kOptions[] = {nlohmann::json::object(), {{"fraction", 0.05}}, {{"fraction", 0.05}},
                                   {{"bits", 4}}, nlohmann::json::object()};

struct Silent final : LocalTraining {
  void step(std::span<float>) override {}
  void gradient(std::span<const float>, std::span<float> out) override { std::fill(out.begin(), out.end(), 0.0f); }
  void momentum_step(std::span<float>, std::span<const float>) override {}
};

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 5) return 0;
  const int which = data[0] % 10;
  const std::size_t length = (data[1] | (std::size_t{data[2]} << 8)) % 1024;
  const uint8_t codec = data[3];
  const bool both = data[4] & 1;
  const std::span<const uint8_t> payload(data + 5, size - 5);

  if (which < 5) {
    auto compressor = make_compressor(kCompressors[which], kOptions[which]);
    FloatBuffer scratch;
    auto decoded = compressor->decode(payload, length, scratch);
    if (decoded) check(decoded->size() == length);
    return 0;
  }
  AlgorithmSettings settings;
  MixingProperties mixing;
  const char* const rules[] = {"atc", "gradient_tracking", "choco", "choco", "push_sum"};
  settings.algorithm = rules[which - 5];
  if (which == 5 || which == 7) {
    settings.compressor = "top_k";
    settings.compressor_options = {{"fraction", 0.05}};
  }
  if (which == 8) settings.compressor = "sign";
  if (which == 5 || which == 7 || which == 8) settings.consensus_step = 0.5;
  auto rule = make_algorithm(settings, 0, length, 1, mixing);
  const Neighbourhood neighbourhood{0, 1.0 / 3, {{1, 1.0 / 3}, {2, 1.0 / 3}}, {{1, 1.0 / 3}, {2, 1.0 / 3}}};
  std::vector<float> model(length, 1.0f);
  Silent local;
  RoundContext context{0, 0.1, neighbourhood, model, local};
  for (int round = 0; round < 2; ++round) {
    rule->begin_round(context);
    for (MessageKind kind : rule->channels()) {
      rule->encode(kind, context);
      std::vector<Payload> arrived{{1, codec, payload}};
      if (both) arrived.push_back({2, codec, payload});
      CombineReport report = rule->combine(kind, context, arrived);
      check(report.missing.size() <= 2);
    }
    rule->end_round(context);
    check(model.size() == length);
    check(rule->evaluated_model(model).size() == length);
  }
  return 0;
}
