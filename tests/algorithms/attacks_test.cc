// Every attack on small inputs worked out by hand (and with the statistics it uses computed
// again here), through the Attacker as the runtime calls it.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>

#include "algorithms/attacks/attacks.h"
#include "algorithms/registry.h"
#include "common/config_error.h"

using namespace gossip;
using nlohmann::json;

namespace {

std::span<const uint8_t> bytes_of(const std::vector<float>& values) {
  return {reinterpret_cast<const uint8_t*>(values.data()), values.size() * sizeof(float)};
}

std::vector<float> floats_of(const Payload& payload) {
  std::vector<float> values(payload.bytes.size() / sizeof(float));
  std::memcpy(values.data(), payload.bytes.data(), payload.bytes.size());
  return values;
}

// Peer 0 between peers 1 and 2; it heard `heard` from them last round and would send `own`.
struct Scene {
  Neighbourhood neighbourhood{0, 1.0 / 3, {{1, 1.0 / 3}, {2, 1.0 / 3}}, {{1, 1.0 / 3}, {2, 1.0 / 3}}};
  std::vector<float> own{1, 2, 3, 4};
  std::vector<float> one{3, 2, 1, 0}, two{5, 8, 2, 4};

  std::vector<std::vector<float>> run(const std::string& attack, const json& options = json::object()) {
    Attacker attacker(make_attack(attack, options, "training.byzantine[0]"), 0, attack, 0, 7);
    const Payload heard[] = {{1, 0, bytes_of(one)}, {2, 0, bytes_of(two)}};
    attacker.hear(MessageKind::kModel, heard);
    const Payload honest[] = {{1, 0, bytes_of(own)}, {2, 0, bytes_of(own)}};
    std::vector<std::vector<float>> sent;
    for (const Payload& payload : attacker.outgoing(5, MessageKind::kModel, neighbourhood, honest)) {
      sent.push_back(floats_of(payload));
    }
    return sent;
  }
};

}  // namespace

TEST_CASE("attacks: sign flip, IPM, ALIE and dissensus send what their formulas say") {
  Scene scene;
  CHECK(scene.run("sign_flip") == std::vector<std::vector<float>>{{-1, -2, -3, -4}, {-1, -2, -3, -4}});
  CHECK(scene.run("sign_flip", {{"scale", 4}})[0] == std::vector<float>{4, 8, 12, 16});
  // mu over own, one, two: (3, 4, 2, 8/3); IPM sends -0.5 mu to both.
  const auto ipm = scene.run("ipm", {{"epsilon", 0.5}});
  for (const auto& sent : ipm) {
    CHECK(sent[0] == doctest::Approx(-1.5));
    CHECK(sent[1] == doctest::Approx(-2.0));
    CHECK(sent[3] == doctest::Approx(-4.0 / 3));
  }
  // ALIE: mu - z sigma, sigma the population deviation of the three.
  const auto alie = scene.run("alie", {{"z", 2.0}});
  for (size_t k = 0; k < 4; ++k) {
    const double mu = (scene.own[k] + scene.one[k] + scene.two[k]) / 3.0;
    const double var = (std::pow(scene.own[k] - mu, 2) + std::pow(scene.one[k] - mu, 2) + std::pow(scene.two[k] - mu, 2)) / 3;
    CHECK(alie[0][k] == doctest::Approx(mu - 2 * std::sqrt(var)));
  }
  // z from n = 3 and f = 1: s = 1, Phi^-1(2/3).
  CHECK(alie_z(3, 1) == doctest::Approx(0.430727).epsilon(1e-5));
  // Dissensus: to each neighbour its own vector pushed away from the mean, a different lie each.
  const auto dissensus = scene.run("dissensus", {{"epsilon", 1.0}});
  REQUIRE(dissensus.size() == 2);
  for (size_t k = 0; k < 4; ++k) {
    const double mu = (scene.own[k] + scene.one[k] + scene.two[k]) / 3.0;
    CHECK(dissensus[0][k] == doctest::Approx(scene.one[k] + (scene.one[k] - mu)));
    CHECK(dissensus[1][k] == doctest::Approx(scene.two[k] + (scene.two[k] - mu)));
  }
}

TEST_CASE("attacks: Gaussian noise has the asked spread, non-finite, silent, crash and label flip do what they say") {
  Scene scene;
  scene.own.assign(20000, 1.0f);
  scene.one.assign(20000, 0.0f);
  scene.two.assign(20000, 0.0f);
  const auto noisy = scene.run("gaussian", {{"sigma", 0.5}});
  double mean = 0, square = 0;
  for (float value : noisy[0]) mean += (value - 1.0) / 20000, square += (value - 1.0) * (value - 1.0) / 20000;
  CHECK(std::abs(mean) < 0.02);
  CHECK(std::sqrt(square) == doctest::Approx(0.5).epsilon(0.02));
  CHECK(noisy[0] != noisy[1]);  // each neighbour its own draw
  CHECK(scene.run("gaussian", {{"sigma", 0.5}}) == noisy);  // and the same again from the same seed

  Scene small;
  for (const auto& sent : small.run("non_finite")) CHECK(std::isnan(sent[2]));
  CHECK(std::isinf(small.run("non_finite", {{"value", "-inf"}})[0][0]));
  CHECK(small.run("silent").empty());
  Attacker crash(make_attack("crash", json::object(), "f"), 30, "crash", 0, 1);
  CHECK_FALSE(crash.leaves(29));
  CHECK(crash.leaves(30));
  CHECK(make_attack("label_flip", json::object(), "f")->task_options() == json{{"label_flip", true}});
}

TEST_CASE("attacks: honest before from_round, options checked with the entry named") {
  Scene scene;
  Attacker later(make_attack("sign_flip", json::object(), "f"), 10, "sign_flip", 0, 1);
  const Payload honest[] = {{1, 0, bytes_of(scene.own)}};
  CHECK(floats_of(later.outgoing(9, MessageKind::kModel, scene.neighbourhood, honest)[0]) == scene.own);
  CHECK(floats_of(later.outgoing(10, MessageKind::kModel, scene.neighbourhood, honest)[0])[0] == -1.0f);
  auto error = [](const std::string& name, const json& options) {
    try {
      make_attack(name, options, "training.byzantine[2]");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("sign_flip", {{"sigma", 1}}).find("training.byzantine[2].sigma") == 0);
  CHECK(error("non_finite", {{"value", "zero"}}).find("training.byzantine[2].value") == 0);
  CHECK(error("trojan", json::object()).find("training.byzantine[2].attack: unknown attack \"trojan\"") == 0);
}
