// `gossip bench aggregators`: how fast each aggregator combines a peer's closed
// neighbourhood (k vectors of d floats), against the memory bandwidth of this machine
// measured in the same run. An aggregator must read its k inputs and write one output, at
// least (k + 1) d 4 bytes; "effective GB/s" is that over its time, and "of bandwidth" that
// over the bandwidth of a plain k-input sum (what the weighted mean is), so 1.0 means it is
// as fast as memory allows and anything below is compute. Repetitions of all take turns, so
// the ratios compare the same moments; medians, with min and max. Where a GPU is visible,
// the aggregators written for any device run there too, in rows of their own, each timed
// with its copies across PCIe.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>  // --json output
#include <string>
#include <vector>

#include "algorithms/aggregator.h"

namespace gossip::bench {

struct AggregatorBenchOptions {
  std::vector<int> neighbourhoods{3, 5, 9};  // k: the peer and its in-neighbours
  std::size_t length = 235146;               // d: the MLP 784-256-128-10's parameters
  int repetitions = 9;
};

struct AggregatorTiming {
  std::string aggregator;
  int neighbourhood = 0;
  double min = 0, median = 0, max = 0;  // seconds of one aggregate
  double gigabytes_per_second = 0;      // (k + 1) d 4 bytes over the median
  double of_bandwidth = 0;              // that over the k-input sum's
};

struct AggregatorBenchReport {
  AggregatorBenchOptions options;
  std::vector<AggregatorTiming> timings;
  std::string no_gpu;  // why there are no GPU rows (empty when there are)
};

struct LabelledAggregator {
  std::string label;
  std::unique_ptr<Aggregator> aggregator;
};

// The GPU's instances of the device-generic aggregators (bench/aggregator_bench_gpu.cc);
// none, with `why`, without a usable GPU.
std::vector<LabelledAggregator> gpu_aggregators(std::string& why);

AggregatorBenchReport run_aggregator_bench(const AggregatorBenchOptions& options);
std::string format_aggregator_bench(const AggregatorBenchReport& report);
nlohmann::json aggregator_bench_json(const AggregatorBenchReport& report);

}  // namespace gossip::bench
