#include "algorithms/state_section.h"

#include <cstring>
#include <stdexcept>

namespace gossip {

static_assert(sizeof(float) == 4, "sections hold IEEE float32");

StateSection float_section(std::string name, std::span<const float> values) {
  return {std::move(name), std::string(reinterpret_cast<const char*>(values.data()), values.size_bytes())};
}

std::size_t float_count(const StateSection& section) {
  if (section.bytes.size() % sizeof(float) != 0) {
    throw std::invalid_argument("section \"" + section.name + "\" holds " + std::to_string(section.bytes.size()) +
                                " bytes, not a whole number of floats");
  }
  return section.bytes.size() / sizeof(float);
}

void read_floats(const StateSection& section, std::span<float> out) {
  if (float_count(section) != out.size()) {
    throw std::invalid_argument("section \"" + section.name + "\" holds " + std::to_string(float_count(section)) +
                                " values, expected " + std::to_string(out.size()));
  }
  if (!out.empty()) std::memcpy(out.data(), section.bytes.data(), out.size_bytes());
}

StateSection double_section(std::string name, std::span<const double> values) {
  return {std::move(name), std::string(reinterpret_cast<const char*>(values.data()), values.size_bytes())};
}

void read_doubles(const StateSection& section, std::span<double> out) {
  if (section.bytes.size() != out.size_bytes()) {
    throw std::invalid_argument("section \"" + section.name + "\" holds " + std::to_string(section.bytes.size()) +
                                " bytes, expected " + std::to_string(out.size()) + " float64 values");
  }
  if (!out.empty()) std::memcpy(out.data(), section.bytes.data(), out.size_bytes());
}

}  // namespace gossip
