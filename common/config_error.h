// The error for bad configuration (topology files, settings, flags): its message names
// the file, the field and both the value found and the value wanted.
#pragma once

#include <stdexcept>
#include <string>

namespace gossip {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace gossip
