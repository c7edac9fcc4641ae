// The training-setting flags shared by `gossip peer` and `gossip launch`: each one, when
// given, overrides the same-named field of the topology file's `training` section.
#pragma once

#include <CLI/CLI.hpp>  // command-line parsing
#include <memory>
#include <nlohmann/json.hpp>  // the overrides are JSON, merged like the file's section

namespace gossip::tools {

class TrainingFlags {
 public:
  // Adds --rounds, --lr, --momentum, ... to `app`.
  explicit TrainingFlags(CLI::App& app);
  // The flags that were given, as training-section JSON.
  nlohmann::json overrides() const;

 private:
  nlohmann::json values_ = nlohmann::json::object();
  std::vector<std::string> settings_;  // --set key=json
};

}  // namespace gossip::tools
