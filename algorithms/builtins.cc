#include "algorithms/builtins.h"

#include "algorithms/aggregators/aggregator_options.h"
#include "algorithms/aggregators/clipping.h"
#include "algorithms/aggregators/coordinate_median.h"
#include "algorithms/aggregators/geometric_median.h"
#include "algorithms/aggregators/krum.h"
#include "algorithms/aggregators/trimmed_mean.h"
#include "algorithms/aggregators/weighted_mean.h"
#include "algorithms/attacks/attacks.h"
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

// An aggregator without options.
template <typename T>
std::unique_ptr<Aggregator> simple(const JsonReader& options) {
  options.reject_unknown({});
  return std::make_unique<T>();
}

std::unique_ptr<Aggregator> clipping(const JsonReader& options) {
  options.reject_unknown({"tau", "f"});
  if (options.has("tau") == options.has("f")) {
    options.fail("tau", "give one of tau (a fixed clipping radius) and f (clip the f farthest neighbours each round)");
  }
  if (options.has("tau")) return std::make_unique<SelfCentredClipping>(options.number_or("tau", 1, 0, 1e30), std::nullopt);
  return std::make_unique<SelfCentredClipping>(std::nullopt, aggregator_f(options));
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

}  // namespace

void register_builtins(std::map<std::string, AlgorithmFactory>& algorithms,
                       std::map<std::string, AggregatorFactory>& aggregators,
                       std::map<std::string, CompressorFactory>& compressors,
                       std::map<std::string, AttackFactory>& attacks) {
  algorithms["atc"] = dsgd_factory(DsgdOrder::kAdaptThenCombine);
  algorithms["cta"] = dsgd_factory(DsgdOrder::kCombineThenAdapt);
  algorithms["gradient_tracking"] = make_gradient_tracking;
  algorithms["choco"] = make_choco;
  algorithms["push_sum"] = make_push_sum;
  aggregators["mean"] = simple<WeightedMean>;
  aggregators["median"] = make_coordinate_median<CpuDevice>;
  aggregators["trimmed_mean"] = make_trimmed_mean<CpuDevice>;
  aggregators["clipping"] = clipping;
  aggregators["krum"] = make_krum<CpuDevice>;
  aggregators["geometric_median"] = make_geometric_median<CpuDevice>;
  compressors["identity"] = plain<IdentityCompressor>;
  compressors["top_k"] = make_top_k<CpuDevice>;
  compressors["random_k"] = sparse<RandomK>;
  compressors["qsgd"] = make_qsgd<CpuDevice>;
  compressors["sign"] = plain<ScaledSign>;
  attacks["sign_flip"] = make_sign_flip;
  attacks["gaussian"] = make_gaussian_noise;
  attacks["alie"] = make_alie;
  attacks["ipm"] = make_ipm;
  attacks["dissensus"] = make_dissensus;
  attacks["non_finite"] = make_non_finite;
  attacks["silent"] = make_silent;
  attacks["crash"] = make_crash;
  attacks["label_flip"] = make_label_flip;
}

}  // namespace gossip
