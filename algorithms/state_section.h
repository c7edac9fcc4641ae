// One named piece of a peer's state in a checkpoint: the model, the optimizer's momentum,
// an algorithm's trackers or public copies, a task's sampler. The runtime writes and
// checks the sections by name, so a checkpoint of another algorithm or task is refused
// by the name of what is missing or unexpected, never read as something else.
#pragma once

#include <span>
#include <string>

namespace gossip {

struct StateSection {
  std::string name;
  std::string bytes;
};

// A section holding `values` as little-endian float32.
StateSection float_section(std::string name, std::span<const float> values);
// Copies a float section into `out`. Throws std::invalid_argument naming the section and
// both sizes when it does not hold exactly out.size() floats.
void read_floats(const StateSection& section, std::span<float> out);
// The number of floats a float section holds (its bytes / 4); throws on a ragged size.
std::size_t float_count(const StateSection& section);
// The same for float64 values.
StateSection double_section(std::string name, std::span<const double> values);
void read_doubles(const StateSection& section, std::span<double> out);

}  // namespace gossip
