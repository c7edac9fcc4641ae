// Nesting limits on every JSON read from outside (common/json_parse.h).
#include <doctest/doctest.h>

#include <string>

#include "common/config_error.h"
#include "common/json_parse.h"

using namespace gossip;

TEST_CASE("json depth: arrays and objects counted, strings skipped, the scan stops past the limit") {
  CHECK(json_depth("{}") == 1);
  CHECK(json_depth(R"({"a": [1, {"b": [[]]}]})") == 5);
  CHECK(json_depth(R"({"a": "[[[[[[", "b": "\"[{"})") == 1);
  CHECK(json_depth("17") == 0);
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  CHECK(json_depth(deep) == kMaxJsonDepth + 1);  // stopped early
  CHECK_THROWS_WITH_AS(parse_json(deep, "deep.json"), "deep.json: JSON nested deeper than 64 levels", ConfigError);
  CHECK_FALSE(try_parse_json(deep));
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  CHECK(try_parse_json(ok));
  CHECK_FALSE(try_parse_json("{\"a\": "));
  CHECK_THROWS_AS(parse_json("{\"a\": ", "cut.json"), ConfigError);
}

TEST_CASE("a number too big for a double is refused as bad JSON, not thrown as another exception") {
  CHECK_THROWS_AS(parse_json(R"({"version": 1e999})", "big.json"), ConfigError);
  CHECK_FALSE(try_parse_json(R"({"version": 1e999})"));
}
