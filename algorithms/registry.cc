#include "algorithms/registry.h"

#include <map>
#include <mutex>
#include <utility>

#include "algorithms/aggregators/nearest_neighbour_mixing.h"
#include "algorithms/builtins.h"
#include "common/config_error.h"

namespace gossip {
namespace {

struct Registry {
  Registry() { register_builtins(algorithms, aggregators, compressors, attacks); }
  std::mutex mutex;
  std::map<std::string, AlgorithmFactory> algorithms;
  std::map<std::string, AggregatorFactory> aggregators;
  // The twins of the CPU's, by (kind of device, name).
  std::map<std::pair<std::string, std::string>, AggregatorFactory> device_aggregators;
  std::map<std::pair<std::string, std::string>, CompressorFactory> device_compressors;
  std::map<std::string, CompressorFactory> compressors;
  std::map<std::string, AttackFactory> attacks;
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

// Adds `factory` to the CPU's (`factories`) or, for another kind of device, to the twins;
// an empty one takes a twin away.
template <typename Factory>
void add(std::map<std::string, Factory>& factories,
         std::map<std::pair<std::string, std::string>, Factory>& twins, const std::string& name, Factory factory,
         const std::string& device_kind) {
  std::lock_guard lock(registry().mutex);
  if (device_kind == "cpu") {
    factories[name] = std::move(factory);
  } else if (factory) {
    twins[{device_kind, name}] = std::move(factory);
  } else {
    twins.erase({device_kind, name});
  }
}

// The CPU's factory of `name` (an unknown name throws, naming the setting), or its twin on
// `device_kind` where one is registered.
template <typename Factory>
Factory find_for(const std::map<std::string, Factory>& factories,
                 const std::map<std::pair<std::string, std::string>, Factory>& twins, const std::string& setting,
                 const std::string& name, const std::string& device_kind) {
  std::lock_guard lock(registry().mutex);
  Factory factory = find(factories, setting, name);
  const auto twin = twins.find({device_kind, name});
  return twin != twins.end() ? twin->second : factory;
}

}  // namespace

void register_algorithm(const std::string& name, AlgorithmFactory factory) {
  std::lock_guard lock(registry().mutex);
  registry().algorithms[name] = std::move(factory);
}

void register_aggregator(const std::string& name, AggregatorFactory factory, const std::string& device_kind) {
  add(registry().aggregators, registry().device_aggregators, name, std::move(factory), device_kind);
}

void register_compressor(const std::string& name, CompressorFactory factory, const std::string& device_kind) {
  add(registry().compressors, registry().device_compressors, name, std::move(factory), device_kind);
}

void register_attack(const std::string& name, AttackFactory factory) {
  std::lock_guard lock(registry().mutex);
  registry().attacks[name] = std::move(factory);
}

std::unique_ptr<Algorithm> make_algorithm(const AlgorithmSettings& settings, int self, std::size_t parameters,
                                          uint64_t seed, const MixingProperties& mixing) {
  AlgorithmFactory algorithm;
  {
    std::lock_guard lock(registry().mutex);
    algorithm = find(registry().algorithms, "algorithm", settings.algorithm);
  }
  std::unique_ptr<Aggregator> aggregator =
      make_aggregator(settings.aggregator, settings.aggregator_options, settings.device_kind);
  if (mixing.smallest_neighbourhood > 0) aggregator->check(mixing.smallest_neighbourhood);
  return algorithm({self, parameters, seed, settings, mixing, std::move(aggregator),
                    make_compressor(settings.compressor, settings.compressor_options, settings.device_kind)});
}

std::unique_ptr<Aggregator> make_aggregator(const std::string& name, const nlohmann::json& options,
                                            const std::string& device_kind) {
  const AggregatorFactory factory =
      find_for(registry().aggregators, registry().device_aggregators, "aggregator", name, device_kind);
  // NNM is a layer over any aggregator ("nnm": f), so it is read here rather than by each.
  nlohmann::json own = options;
  const JsonReader reader(options, "training.aggregator");
  if (reader.has("nnm")) {
    const int f = static_cast<int>(reader.integer_or("nnm", 0, 0, 1 << 20));
    own.erase("nnm");
    return std::make_unique<NearestNeighbourMixing>(f, factory(JsonReader(own, "training.aggregator")));
  }
  return factory(JsonReader(own, "training.aggregator"));
}

std::unique_ptr<Compressor> make_compressor(const std::string& name, const nlohmann::json& options,
                                            const std::string& device_kind) {
  const CompressorFactory factory =
      find_for(registry().compressors, registry().device_compressors, "compressor", name, device_kind);
  return factory(JsonReader(options, "training.compressor"));
}

std::unique_ptr<Attack> make_attack(const std::string& name, const nlohmann::json& options, const std::string& field) {
  AttackFactory factory;
  {
    std::lock_guard lock(registry().mutex);
    auto found = registry().attacks.find(name);
    if (found == registry().attacks.end()) {
      std::string known;
      for (const auto& [each, unused] : registry().attacks) known += (known.empty() ? "" : ", ") + each;
      throw ConfigError(field + ".attack: unknown attack \"" + name + "\" (known: " + known + ")");
    }
    factory = found->second;
  }
  return factory(JsonReader(options, field));
}

namespace {

template <typename Factory>
std::vector<std::string> names_of(const std::map<std::string, Factory>& factories) {
  std::lock_guard lock(registry().mutex);
  std::vector<std::string> names;
  for (const auto& [name, unused] : factories) names.push_back(name);
  return names;
}

}  // namespace

std::vector<std::string> algorithm_names() { return names_of(registry().algorithms); }
std::vector<std::string> compressor_names() { return names_of(registry().compressors); }
std::vector<std::string> aggregator_names() { return names_of(registry().aggregators); }
std::vector<std::string> attack_names() { return names_of(registry().attacks); }

}  // namespace gossip
