// Where the settings' names meet the code: `algorithm` picks an update rule, and (as they
// gain settings) `aggregator` and `compressor` pick the rule's combine and encoding. The
// built-ins are registered in builtins.cc, one line each; a program linked against the
// library adds its own before it starts its peers. The runtime only ever asks by name.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/aggregator.h"
#include "algorithms/algorithm.h"
#include "algorithms/compressor.h"

namespace gossip {

inline constexpr const char* kDefaultAlgorithm = "atc";
inline constexpr const char* kDefaultAggregator = "mean";
inline constexpr const char* kDefaultCompressor = "identity";

struct AlgorithmSettings {
  std::string algorithm = kDefaultAlgorithm;
  std::string aggregator = kDefaultAggregator;
  std::string compressor = kDefaultCompressor;
  int local_steps = 1;  // K: local steps per round
};

// What a rule is built from: this peer, the model's size, the run seed and its parts.
struct AlgorithmContext {
  int self = 0;
  std::size_t parameters = 0;
  uint64_t seed = 0;
  int local_steps = 1;
  std::unique_ptr<Aggregator> aggregator;
  std::unique_ptr<Compressor> compressor;
};

using AlgorithmFactory = std::function<std::unique_ptr<Algorithm>(AlgorithmContext)>;
using AggregatorFactory = std::function<std::unique_ptr<Aggregator>()>;
using CompressorFactory = std::function<std::unique_ptr<Compressor>()>;

// Each adds a factory under `name`, replacing one of the same name.
void register_algorithm(const std::string& name, AlgorithmFactory factory);
void register_aggregator(const std::string& name, AggregatorFactory factory);
void register_compressor(const std::string& name, CompressorFactory factory);

// Throws ConfigError naming the setting (training.algorithm, ...) and the known names for
// an unknown name; a rule's factory throws ConfigError for parts it cannot work with.
std::unique_ptr<Algorithm> make_algorithm(const AlgorithmSettings& settings, int self, std::size_t parameters,
                                          uint64_t seed);
std::vector<std::string> algorithm_names();

}  // namespace gossip
