#include "algorithms/registry.h"

#include <map>
#include <mutex>

#include "algorithms/builtins.h"
#include "common/config_error.h"

namespace gossip {
namespace {

struct Registry {
  Registry() { register_builtins(algorithms, aggregators, compressors); }
  std::mutex mutex;
  std::map<std::string, AlgorithmFactory> algorithms;
  std::map<std::string, AggregatorFactory> aggregators;
  std::map<std::string, CompressorFactory> compressors;
};

Registry& registry() {
  static Registry instance;
  return instance;
}

template <typename Factory>
Factory find(const std::map<std::string, Factory>& factories, const std::string& setting, const std::string& name) {
  auto found = factories.find(name);
  if (found != factories.end()) return found->second;
  std::string known;
  for (const auto& [each, unused] : factories) known += (known.empty() ? "" : ", ") + each;
  throw ConfigError("training." + setting + ": unknown " + setting + " \"" + name + "\" (known: " + known + ")");
}

}  // namespace

void register_algorithm(const std::string& name, AlgorithmFactory factory) {
  std::lock_guard lock(registry().mutex);
  registry().algorithms[name] = std::move(factory);
}

void register_aggregator(const std::string& name, AggregatorFactory factory) {
  std::lock_guard lock(registry().mutex);
  registry().aggregators[name] = std::move(factory);
}

void register_compressor(const std::string& name, CompressorFactory factory) {
  std::lock_guard lock(registry().mutex);
  registry().compressors[name] = std::move(factory);
}

std::unique_ptr<Algorithm> make_algorithm(const AlgorithmSettings& settings, int self, std::size_t parameters,
                                          uint64_t seed) {
  AlgorithmFactory algorithm;
  AggregatorFactory aggregator;
  CompressorFactory compressor;
  {
    std::lock_guard lock(registry().mutex);
    algorithm = find(registry().algorithms, "algorithm", settings.algorithm);
    aggregator = find(registry().aggregators, "aggregator", settings.aggregator);
    compressor = find(registry().compressors, "compressor", settings.compressor);
  }
  return algorithm({self, parameters, seed, settings.local_steps, aggregator(), compressor()});
}

std::vector<std::string> algorithm_names() {
  std::lock_guard lock(registry().mutex);
  std::vector<std::string> names;
  for (const auto& [name, unused] : registry().algorithms) names.push_back(name);
  return names;
}

}  // namespace gossip
