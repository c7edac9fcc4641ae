#include "common/json_parse.h"

#include <algorithm>

#include "common/config_error.h"

namespace gossip {

int json_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

nlohmann::json parse_json(std::string_view text, const std::string& what) {
  if (json_depth(text) > kMaxJsonDepth) {
    throw ConfigError(what + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {  // a syntax error, or a number too big for a double (1e999)
    throw ConfigError(what + ": not valid JSON (" + error.what() + ")");
  }
}

std::optional<nlohmann::json> try_parse_json(std::string_view text) {
  if (json_depth(text) > kMaxJsonDepth) return std::nullopt;
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

}  // namespace gossip
