// A neighbour missed on one side only: peer 0's deadline passes before peer 1's message of
// round 0 comes, while peer 1 mixed peer 0's. The rules are driven by hand, as the runtime
// drives them, over a ring of four with every weight 1/3 and no local training, so the
// network's sum of models may move only through that one-sided mix.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "algorithms/registry.h"

using namespace gossip;

namespace {

struct NoSteps final : LocalTraining {
  void step(std::span<float>) override {}
  void gradient(std::span<const float>, std::span<float> out) override { std::fill(out.begin(), out.end(), 0.0f); }
  void momentum_step(std::span<float>, std::span<const float>) override {}
};

constexpr int kPeers = 4;
constexpr std::size_t kSize = 3;

Neighbourhood ring_neighbourhood(int self) {
  const int left = (self + kPeers - 1) % kPeers, right = (self + 1) % kPeers;
  const double third = 1.0 / 3.0;
  return {self, third, {{std::min(left, right), third}, {std::max(left, right), third}},
          {{std::min(left, right), third}, {std::max(left, right), third}}};
}

double network_sum(const std::vector<std::vector<float>>& models) {
  double sum = 0;
  for (const auto& model : models) sum = std::accumulate(model.begin(), model.end(), sum);
  return sum;
}

struct Outcome {
  double drift_after_miss = 0;  // the sum's change after round 0
  double drift_after_late = 0;  // after round 1, which brings the late message
  std::vector<int> applied;
};

// Two rounds; in round 0 peer 0 misses peer 1, and in round 1 the late message comes.
Outcome one_sided_loss(AlgorithmSettings settings) {
  NoSteps none;
  std::vector<std::vector<float>> models(kPeers);
  std::vector<std::unique_ptr<Algorithm>> rules;
  for (int self = 0; self < kPeers; ++self) {
    for (std::size_t k = 0; k < kSize; ++k) models[self].push_back(static_cast<float>(self * 10 + k * k));
    rules.push_back(make_algorithm(settings, self, kSize, 7));
  }
  const double before = network_sum(models);
  std::vector<uint8_t> late_bytes;  // peer 1's round-0 message to peer 0, held back
  uint8_t late_codec = 0;
  Outcome outcome;
  for (int64_t round = 0; round < 2; ++round) {
    std::vector<Neighbourhood> neighbourhoods;
    for (int self = 0; self < kPeers; ++self) neighbourhoods.push_back(ring_neighbourhood(self));
    std::vector<RoundContext> contexts;
    for (int self = 0; self < kPeers; ++self) contexts.push_back({round, 0.0, neighbourhoods[self], models[self], none});
    for (auto& context : contexts) rules[context.neighbourhood.self]->begin_round(context);
    for (MessageKind kind : rules[0]->channels()) {
      std::vector<std::vector<std::pair<int, std::vector<uint8_t>>>> inbox(kPeers);  // by receiver
      std::vector<uint8_t> codecs(kPeers);
      for (int self = 0; self < kPeers; ++self) {
        for (const Payload& payload : rules[self]->encode(kind, contexts[self])) {
          inbox[payload.peer].push_back({self, {payload.bytes.begin(), payload.bytes.end()}});
          codecs[self] = payload.codec;
        }
      }
      for (int self = 0; self < kPeers; ++self) {
        std::sort(inbox[self].begin(), inbox[self].end());
        std::vector<Payload> arrived;
        for (const auto& [from, bytes] : inbox[self]) {
          if (round == 0 && self == 0 && from == 1) {
            late_bytes = bytes;
            late_codec = codecs[from];
            continue;
          }
          arrived.push_back({from, codecs[from], bytes});
        }
        rules[self]->combine(kind, contexts[self], arrived);
        if (round == 1 && self == 0) {
          const LatePayload late[] = {{0, {1, late_codec, late_bytes}}};
          outcome.applied = rules[0]->combine_late(kind, contexts[0], late);
        }
      }
    }
    for (auto& context : contexts) rules[context.neighbourhood.self]->end_round(context);
    (round == 0 ? outcome.drift_after_miss : outcome.drift_after_late) = network_sum(models) - before;
  }
  return outcome;
}

}  // namespace

TEST_CASE("a late model applied when it comes restores the network's sum that a one-sided miss moved") {
  for (const char* algorithm : {"atc", "cta", "gradient_tracking"}) {
    CAPTURE(algorithm);
    AlgorithmSettings settings{.algorithm = algorithm, .late_rounds = 4};
    const Outcome outcome = one_sided_loss(settings);
    // Round 0 moved the sum by w_01 (c_0 - c_1) summed over coordinates: (0+1+4 - 10-11-14) / 3.
    CHECK(outcome.drift_after_miss == doctest::Approx(-10.0).epsilon(1e-6));
    CHECK(outcome.applied == std::vector<int>{1});
    CHECK(std::abs(outcome.drift_after_late) < 1e-4);

    settings.late_rounds = 0;  // the message is not kept: the drift stays
    const Outcome dropped = one_sided_loss(settings);
    CHECK(dropped.applied.empty());
    CHECK(dropped.drift_after_late == doctest::Approx(-10.0).epsilon(1e-6));
  }
}

TEST_CASE("compressed DSGD makes good a late message with what it decodes, scaled by the consensus step") {
  AlgorithmSettings settings{.algorithm = "atc", .compressor = "qsgd", .compressor_options = {{"levels", 4}},
                             .consensus_step = 0.5, .late_rounds = 4};
  const Outcome outcome = one_sided_loss(settings);
  CHECK(std::abs(outcome.drift_after_miss) > 1.0);
  CHECK(outcome.applied == std::vector<int>{1});
  CHECK(std::abs(outcome.drift_after_late) < 1e-4);
}

TEST_CASE("a robust aggregator keeps no average, so it applies no late message") {
  AlgorithmSettings settings{.algorithm = "atc", .aggregator = "median", .late_rounds = 4};
  CHECK(one_sided_loss(settings).applied.empty());
}
