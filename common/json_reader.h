// Typed access to one JSON object that names the field by its path in every error,
// e.g. "peers[3].port: expected an integer in 1..65535, got \"x\"".
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>  // the topology file and settings are JSON
#include <optional>
#include <string>
#include <string_view>

#include "common/config_error.h"

namespace gossip {

class JsonReader {
 public:
  // Throws ConfigError unless `value` is a JSON object.
  JsonReader(const nlohmann::json& value, std::string path);

  const std::string& path() const { return path_; }
  bool has(std::string_view key) const { return object_.contains(key); }
  // "peers[3].port": the path of a member, for messages about it.
  std::string field(std::string_view key) const;

  int64_t integer(std::string_view key, int64_t min, int64_t max) const;
  int64_t integer_or(std::string_view key, int64_t fallback, int64_t min, int64_t max) const;
  uint64_t unsigned_integer_or(std::string_view key, uint64_t fallback) const;
  // A finite number in [min, max].
  double number_or(std::string_view key, double fallback, double min, double max) const;
  bool boolean_or(std::string_view key, bool fallback) const;
  std::string string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string fallback) const;
  // The member, which must be an array; throws naming the field otherwise.
  const nlohmann::json& array(std::string_view key) const;
  const nlohmann::json& member(std::string_view key) const;

  // Throws naming the first member not in `known`: a misspelt field must not be ignored.
  void reject_unknown(std::initializer_list<std::string_view> known) const;

  [[noreturn]] void fail(std::string_view key, const std::string& problem) const;

 private:
  const nlohmann::json& object_;
  std::string path_;
};

// A short rendering of a JSON value for error messages.
std::string brief(const nlohmann::json& value);

}  // namespace gossip
