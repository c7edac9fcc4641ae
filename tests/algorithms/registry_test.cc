#include <doctest/doctest.h>

#include "algorithms/registry.h"
#include "algorithms/state_section.h"
#include "common/config_error.h"

using namespace gossip;

TEST_CASE("registry: the built-in rules by name, and an unknown name refused with the setting and the known ones") {
  const auto names = algorithm_names();
  CHECK(std::find(names.begin(), names.end(), "atc") != names.end());
  CHECK(std::find(names.begin(), names.end(), "cta") != names.end());
  CHECK(make_algorithm({.algorithm = "cta"}, 0, 3, 1) != nullptr);
  CHECK_THROWS_WITH_AS(make_algorithm({.algorithm = "sgp"}, 0, 3, 1),
                       doctest::Contains("training.algorithm: unknown algorithm \"sgp\" (known: atc, choco, cta, gradient_tracking, push_sum"), ConfigError);
  CHECK_THROWS_WITH_AS(make_algorithm({.aggregator = "krum"}, 0, 3, 1), doctest::Contains("training.aggregator"),
                       ConfigError);
  CHECK_THROWS_WITH_AS(make_algorithm({.compressor = "zip"}, 0, 3, 1), doctest::Contains("training.compressor"),
                       ConfigError);
}

TEST_CASE("registry: a program adds its own rule under a new name, built with the parts the settings name") {
  register_algorithm("test-rule", [](AlgorithmContext context) {
    CHECK(context.aggregator != nullptr);
    CHECK(context.compressor != nullptr);
    CHECK(context.parameters == 5);
    CHECK(context.self == 2);
    return make_algorithm({}, context.self, context.parameters, context.seed);
  });
  CHECK(make_algorithm({.algorithm = "test-rule"}, 2, 5, 1) != nullptr);
}

TEST_CASE("state sections: floats round trip, a section of another size is refused by name") {
  const float values[] = {1.0f, -0.5f, 3e-8f};
  StateSection section = float_section("tracker", values);
  CHECK(float_count(section) == 3);
  float out[3] = {};
  read_floats(section, out);
  CHECK(std::equal(out, out + 3, values));
  float too_small[2];
  CHECK_THROWS_WITH_AS(read_floats(section, too_small), doctest::Contains("\"tracker\" holds 3 values, expected 2"),
                       std::invalid_argument);
  section.bytes.push_back('x');
  CHECK_THROWS_WITH_AS(float_count(section), doctest::Contains("not a whole number"), std::invalid_argument);
}
