// Every JSON the project reads from outside goes through here: topology files, settings
// flags, run-directory files, metrics lines. nlohmann's parser builds nested values with
// no depth limit and frees them recursively, so 200,000 '[' overflow the stack; text nested
// deeper than kMaxJsonDepth is refused before parsing.
#pragma once

#include <nlohmann/json.hpp>  // the value parsed
#include <optional>
#include <string>
#include <string_view>

namespace gossip {

inline constexpr int kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects in `text` (strings skipped), stopping early
// once it passes `limit`.
int json_depth(std::string_view text, int limit = kMaxJsonDepth);

// Throws ConfigError naming `what` (a file, a flag) on bad or too deeply nested JSON.
nlohmann::json parse_json(std::string_view text, const std::string& what);

// Nothing for bad or too deeply nested JSON: for input where a bad line is skipped.
std::optional<nlohmann::json> try_parse_json(std::string_view text);

}  // namespace gossip
