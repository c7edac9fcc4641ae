// Where the settings' names meet the code: `algorithm` picks an update rule, `compressor`
// (with its options) its encoding, and `aggregator` (with its options) its combine.
// The built-ins are registered in builtins.cc, one line each; a program linked against the
// library adds its own before it starts its peers. The runtime only ever asks by name.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>  // a compressor's options
#include <string>
#include <vector>

#include "algorithms/aggregator.h"
#include "algorithms/algorithm.h"
#include "algorithms/attack.h"
#include "algorithms/compressor.h"
#include "common/json_reader.h"

namespace gossip {

inline constexpr const char* kDefaultAlgorithm = "atc";
inline constexpr const char* kDefaultAggregator = "mean";
inline constexpr const char* kDefaultCompressor = "identity";

// What the run's mixing matrices are, for rules that need more than rows summing to 1.
struct MixingProperties {
  bool time_varying = false;      // W changes with the round (one-peer exponential)
  bool symmetric = true;          // W = W^T in every round
  bool row_stochastic = true;     // every row of every W sums to 1
  bool column_stochastic = true;  // every column of every W sums to 1
  // This peer's fewest vectors to aggregate in a round: itself and its in-neighbours of
  // the sparsest W of the schedule (0: not known, nothing is checked).
  std::size_t smallest_neighbourhood = 0;
};

struct AlgorithmSettings {
  std::string algorithm = kDefaultAlgorithm;
  std::string aggregator = kDefaultAggregator;
  std::string compressor = kDefaultCompressor;
  nlohmann::json compressor_options = nlohmann::json::object();  // the compressor's own fields
  nlohmann::json aggregator_options = nlohmann::json::object();  // the aggregator's own fields
  double consensus_step = 1.0;  // gamma of the rules that move only part way to the mix
  int local_steps = 1;          // K: local steps per round
  int late_rounds = 0;          // how late a missed message may come and still be made good (combine_late)
  // The peer's kind of device ("cpu", "cuda"): an aggregator or compressor with a twin
  // registered for it runs there, any other on the CPU.
  std::string device_kind = "cpu";
};

// What a rule is built from: this peer, the model's size, the run seed, the settings and
// the parts they name, and what W is.
struct AlgorithmContext {
  int self = 0;
  std::size_t parameters = 0;
  uint64_t seed = 0;
  const AlgorithmSettings& settings;
  MixingProperties mixing;
  std::unique_ptr<Aggregator> aggregator;
  std::unique_ptr<Compressor> compressor;
};

using AlgorithmFactory = std::function<std::unique_ptr<Algorithm>(AlgorithmContext)>;
// `options` is the `aggregator` object without its kind, read with field names.
using AggregatorFactory = std::function<std::unique_ptr<Aggregator>(const JsonReader& options)>;
// `options` is the `compressor` object without its kind, read with field names
// ("training.compressor.fraction") so that errors name what to fix.
using CompressorFactory = std::function<std::unique_ptr<Compressor>(const JsonReader& options)>;
// `options` is the `byzantine` entry without peers, attack and from_round.
using AttackFactory = std::function<std::unique_ptr<Attack>(const JsonReader& options)>;

// Each adds a factory under `name`, replacing one of the same name.
void register_algorithm(const std::string& name, AlgorithmFactory factory);
// With a `device_kind` other than "cpu", the twin of the CPU's aggregator or compressor
// `name` that make_aggregator / make_compressor take for peers on that kind of device (the
// CPU's must exist: it is the one the name is checked against); an empty factory takes the
// twin away.
void register_aggregator(const std::string& name, AggregatorFactory factory, const std::string& device_kind = "cpu");
void register_compressor(const std::string& name, CompressorFactory factory, const std::string& device_kind = "cpu");
void register_attack(const std::string& name, AttackFactory factory);

// Throws ConfigError naming the setting (training.algorithm, training.compressor, ...) and
// the known names for an unknown name; a rule's factory throws ConfigError, with the
// reason, for settings or a W it cannot work with.
std::unique_ptr<Algorithm> make_algorithm(const AlgorithmSettings& settings, int self, std::size_t parameters,
                                          uint64_t seed, const MixingProperties& mixing = {});
// On a `device_kind` with a twin of `name`, the twin.
std::unique_ptr<Compressor> make_compressor(const std::string& name, const nlohmann::json& options,
                                            const std::string& device_kind = "cpu");
// With `"nnm": f` among the options, wrapped in nearest-neighbour mixing. On a
// `device_kind` with a twin of `name`, the twin.
std::unique_ptr<Aggregator> make_aggregator(const std::string& name, const nlohmann::json& options,
                                            const std::string& device_kind = "cpu");
// `field` is where the entry sits, for errors: "training.byzantine[0]".
std::unique_ptr<Attack> make_attack(const std::string& name, const nlohmann::json& options, const std::string& field);
std::vector<std::string> algorithm_names();
std::vector<std::string> compressor_names();
std::vector<std::string> aggregator_names();
std::vector<std::string> attack_names();

}  // namespace gossip
