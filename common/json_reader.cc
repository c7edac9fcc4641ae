#include "common/json_reader.h"

namespace gossip {

std::string brief(const nlohmann::json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

JsonReader::JsonReader(const nlohmann::json& value, std::string path)
    : object_(value), path_(std::move(path)) {
  if (!value.is_object()) {
    throw ConfigError((path_.empty() ? std::string("the file") : path_) +
                      ": expected a JSON object, got " + brief(value));
  }
}

std::string JsonReader::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void JsonReader::fail(std::string_view key, const std::string& problem) const {
  throw ConfigError(field(key) + ": " + problem);
}

const nlohmann::json& JsonReader::member(std::string_view key) const {
  auto it = object_.find(key);
  if (it == object_.end()) fail(key, "missing (required)");
  return *it;
}

int64_t JsonReader::integer(std::string_view key, int64_t min, int64_t max) const {
  const auto& value = member(key);
  std::string wanted = "expected an integer in " + std::to_string(min) + ".." + std::to_string(max);
  if (!value.is_number_integer()) fail(key, wanted + ", got " + brief(value));
  // A value beyond int64 parses as unsigned; treat it as out of range, not wrapped.
  if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(max)) {
    fail(key, wanted + ", got " + brief(value));
  }
  int64_t number = value.get<int64_t>();
  if (number < min || number > max) fail(key, wanted + ", got " + brief(value));
  return number;
}

int64_t JsonReader::integer_or(std::string_view key, int64_t fallback, int64_t min, int64_t max) const {
  return has(key) ? integer(key, min, max) : fallback;
}

uint64_t JsonReader::unsigned_integer_or(std::string_view key, uint64_t fallback) const {
  if (!has(key)) return fallback;
  const auto& value = member(key);
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0)) {
    fail(key, "expected a non-negative integer, got " + brief(value));
  }
  return value.get<uint64_t>();
}

double JsonReader::number_or(std::string_view key, double fallback, double min, double max) const {
  if (!has(key)) return fallback;
  const auto& value = member(key);
  if (!value.is_number() || !(value.get<double>() >= min && value.get<double>() <= max)) {
    fail(key, "expected a number in [" + brief(min) + ", " + brief(max) + "], got " + brief(value));
  }
  return value.get<double>();
}

bool JsonReader::boolean_or(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  const auto& value = member(key);
  if (!value.is_boolean()) fail(key, "expected true or false, got " + brief(value));
  return value.get<bool>();
}

std::string JsonReader::string(std::string_view key) const {
  const auto& value = member(key);
  if (!value.is_string()) fail(key, "expected a string, got " + brief(value));
  return value.get<std::string>();
}

std::string JsonReader::string_or(std::string_view key, std::string fallback) const {
  return has(key) ? string(key) : fallback;
}

const nlohmann::json& JsonReader::array(std::string_view key) const {
  const auto& value = member(key);
  if (!value.is_array()) fail(key, "expected an array, got " + brief(value));
  return value;
}

void JsonReader::reject_unknown(std::initializer_list<std::string_view> known) const {
  for (const auto& [key, value] : object_.items()) {
    bool listed = false;
    std::string names;
    for (auto name : known) {
      listed = listed || key == name;
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    if (!listed) fail(key, "unknown field (known here: " + names + ")");
  }
}

}  // namespace gossip
