// The DSGD rule on its own, its phases driven by hand as the runtime drives them.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "algorithms/registry.h"

using namespace gossip;

namespace {

// Records the order of calls; a step halves the model (a step of 0.5 on f(x) = x^2 / 2).
struct RecordingSteps final : LocalTraining {
  std::string& calls;
  explicit RecordingSteps(std::string& log) : calls(log) {}
  void step(std::span<float> model) override {
    calls += "s";
    for (float& value : model) value *= 0.5f;
  }
  void gradient(std::span<const float>, std::span<float>) override { calls += "g"; }
  void momentum_step(std::span<float>, std::span<const float>) override { calls += "m"; }
};

std::span<const uint8_t> bytes_of(std::span<const float> values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size_bytes()};
}

// Peer 0 of two, mixing half and half.
const Neighbourhood kPair{0, 0.5, {{1, 0.5}}, {{1, 0.5}}};

// One round of `algorithm` with neighbour 1's model `theirs` arriving; returns the calls.
std::string round_with(const char* algorithm, int local_steps, std::vector<float>& model, std::vector<float> theirs) {
  std::string calls;
  RecordingSteps steps(calls);
  auto rule = make_algorithm({.algorithm = algorithm, .local_steps = local_steps}, 0, model.size(), 1);
  RoundContext context{0, 0.1, kPair, model, steps};
  rule->begin_round(context);
  for (MessageKind kind : rule->channels()) {
    calls += "e";
    rule->encode(kind, context);
    calls += "c";
    const Payload arrived[] = {{1, 0, bytes_of(theirs)}};
    rule->combine(kind, context, arrived);
  }
  rule->end_round(context);
  return calls;
}

}  // namespace

TEST_CASE("DSGD: ATC takes its K local steps before the combine, CTA after it") {
  std::vector<float> model{1.0f};
  CHECK(round_with("atc", 3, model, {20.0f}) == "sssec");
  CHECK(model[0] == doctest::Approx(10.0625f));  // 0.5 * 1 * 0.5^3 + 0.5 * 20
  model = {1.0f};
  CHECK(round_with("cta", 3, model, {20.0f}) == "ecsss");
  CHECK(model[0] == doctest::Approx(1.3125f));  // (0.5 * 1 + 0.5 * 20) * 0.5^3
}

TEST_CASE("DSGD: one message a round, the model's own bytes to every out-neighbour with the compressor's codec") {
  const Neighbourhood star{0, 0.25, {{1, 0.25}, {2, 0.25}, {3, 0.25}}, {{1, 0.25}, {2, 0.25}, {3, 0.25}}};
  std::vector<float> model{1.0f, 2.0f, 3.0f};
  auto rule = make_algorithm({}, 0, model.size(), 1);
  CHECK(rule->channels().size() == 1);
  CHECK(rule->channels()[0] == MessageKind::kModel);
  CHECK(rule->max_payload_bytes() == 12);
  std::string unused;
  RecordingSteps steps(unused);
  RoundContext context{4, 0.1, star, model, steps};
  auto sends = rule->encode(MessageKind::kModel, context);
  REQUIRE(sends.size() == 3);
  for (size_t i = 0; i < sends.size(); ++i) {
    CHECK(sends[i].peer == static_cast<int>(i + 1));
    CHECK(sends[i].codec == static_cast<uint8_t>(Codec::kRawFloat32));
    CHECK(sends[i].bytes.data() == reinterpret_cast<const uint8_t*>(model.data()));  // no copy
    CHECK(sends[i].bytes.size() == 12);
  }
}

TEST_CASE("DSGD: bytes of the wrong size or codec are rejected and left out, the rest is still mixed") {
  const Neighbourhood ring{0, 1.0 / 3, {{1, 1.0 / 3}, {2, 1.0 / 3}}, {{1, 1.0 / 3}, {2, 1.0 / 3}}};
  std::vector<float> model{3.0f, 3.0f};
  const std::vector<float> wrong_size{100.0f, 100.0f, 100.0f}, honest{6.0f, 6.0f};
  auto rule = make_algorithm({}, 0, model.size(), 1);
  std::string unused;
  RecordingSteps steps(unused);
  RoundContext context{0, 0.0, ring, model, steps};
  const Payload arrived[] = {{1, 0, bytes_of(wrong_size)}, {2, 0, bytes_of(honest)}};
  CombineReport report = rule->combine(MessageKind::kModel, context, arrived);
  CHECK(report.rejected == std::vector<int>{1});
  CHECK(report.missing == std::vector<int>{1});
  CHECK(model[0] == doctest::Approx(4.0f));  // (2/3) * 3 + (1/3) * 6

  model = {3.0f, 3.0f};
  const Payload unknown_codec[] = {{1, 9, bytes_of(honest)}, {2, 0, bytes_of(honest)}};
  report = rule->combine(MessageKind::kModel, context, unknown_codec);
  CHECK(report.rejected == std::vector<int>{1});
  CHECK(model[0] == doctest::Approx(4.0f));

  model = {3.0f, 3.0f};
  const Payload only_two[] = {{2, 0, bytes_of(honest)}};  // peer 1 missed the round
  report = rule->combine(MessageKind::kModel, context, only_two);
  CHECK(report.missing == std::vector<int>{1});
  CHECK(report.rejected.empty());
  CHECK(model[0] == doctest::Approx(4.0f));
}

TEST_CASE("DSGD refuses fewer than one local step") {
  CHECK_THROWS_AS(make_algorithm({.local_steps = 0}, 0, 4, 1), std::invalid_argument);
}

TEST_CASE("a lossy rule whose own message cannot encode its diverged model fails with the round, not a crash") {
  // Finite values whose norm is past float32's range: QSGD's norm field cannot hold it, and
  // its decoder refuses the bytes.
  for (const char* algorithm : {"atc", "choco"}) {
    INFO(algorithm);
    std::vector<float> model(16, 3e38f);
    std::string unused;
    RecordingSteps steps(unused);
    AlgorithmSettings settings{.algorithm = algorithm, .compressor = "qsgd", .compressor_options = {{"bits", 4}},
                               .consensus_step = 0.5};
    auto rule = make_algorithm(settings, 0, model.size(), 1);
    rule->start(std::vector<float>(model.size(), 0.0f));
    RoundContext context{7, 0.1, kPair, model, steps};
    CHECK_THROWS_WITH_AS(rule->encode(rule->channels().front(), context), doctest::Contains("round 7: the model"),
                         std::runtime_error);
  }
}
