#include "algorithms/builtins.h"

#include "algorithms/aggregators/weighted_mean.h"
#include "algorithms/compressors/identity.h"
#include "algorithms/rules/dsgd.h"

namespace gossip {
namespace {

AlgorithmFactory dsgd(DsgdOrder order) {
  return [order](AlgorithmContext context) {
    return std::make_unique<Dsgd>(order, context.local_steps, context.parameters, context.seed,
                                  std::move(context.aggregator), std::move(context.compressor));
  };
}

template <typename T>
std::unique_ptr<T> make() {
  return std::make_unique<T>();
}

}  // namespace

void register_builtins(std::map<std::string, AlgorithmFactory>& algorithms,
                       std::map<std::string, AggregatorFactory>& aggregators,
                       std::map<std::string, CompressorFactory>& compressors) {
  algorithms["atc"] = dsgd(DsgdOrder::kAdaptThenCombine);
  algorithms["cta"] = dsgd(DsgdOrder::kCombineThenAdapt);
  aggregators["mean"] = make<WeightedMean>;
  compressors["identity"] = make<IdentityCompressor>;
}

}  // namespace gossip
