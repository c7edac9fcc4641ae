#include "algorithms/builtins.h"

#include "algorithms/aggregators/weighted_mean.h"
#include "algorithms/compressors/identity.h"
#include "algorithms/compressors/qsgd.h"
#include "algorithms/compressors/random_k.h"
#include "algorithms/compressors/scaled_sign.h"
#include "algorithms/compressors/top_k.h"
#include "algorithms/rules/choco.h"
#include "algorithms/rules/dsgd.h"
#include "algorithms/rules/gradient_tracking.h"
#include "algorithms/rules/push_sum.h"

namespace gossip {
namespace {

template <typename T>
std::unique_ptr<Aggregator> aggregator() {
  return std::make_unique<T>();
}

// A compressor without options.
template <typename T>
std::unique_ptr<Compressor> plain(const JsonReader& options) {
  options.reject_unknown({});
  return std::make_unique<T>();
}

template <typename T>
std::unique_ptr<Compressor> sparse(const JsonReader& options) {
  options.reject_unknown({"fraction", "count"});
  return std::make_unique<T>(SparseCount::from(options));
}

std::unique_ptr<Compressor> qsgd(const JsonReader& options) {
  options.reject_unknown({"levels", "bits"});
  return Qsgd::from(options);
}

}  // namespace

void register_builtins(std::map<std::string, AlgorithmFactory>& algorithms,
                       std::map<std::string, AggregatorFactory>& aggregators,
                       std::map<std::string, CompressorFactory>& compressors) {
  algorithms["atc"] = dsgd_factory(DsgdOrder::kAdaptThenCombine);
  algorithms["cta"] = dsgd_factory(DsgdOrder::kCombineThenAdapt);
  algorithms["gradient_tracking"] = make_gradient_tracking;
  algorithms["choco"] = make_choco;
  algorithms["push_sum"] = make_push_sum;
  aggregators["mean"] = aggregator<WeightedMean>;
  compressors["identity"] = plain<IdentityCompressor>;
  compressors["top_k"] = sparse<TopK>;
  compressors["random_k"] = sparse<RandomK>;
  compressors["qsgd"] = qsgd;
  compressors["sign"] = plain<ScaledSign>;
}

}  // namespace gossip
