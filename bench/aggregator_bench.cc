#include "bench/aggregator_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "algorithms/registry.h"
#include "common/config_error.h"

namespace gossip::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Entry {
  const char* label;
  const char* name;
  nlohmann::json options;
};

// f = 1 where an aggregator takes one; one that refuses a k (its check) is left out of that k.
const Entry kAggregators[] = {
    {"mean", "mean", nlohmann::json::object()},
    {"median", "median", nlohmann::json::object()},
    {"trimmed_mean f=1", "trimmed_mean", {{"f", 1}}},
    {"clipping f=1", "clipping", {{"f", 1}}},
    {"krum f=1", "krum", {{"f", 1}}},
    {"geometric_median", "geometric_median", nlohmann::json::object()},
    {"median + nnm f=1", "median", {{"nnm", 1}}},
};

double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

AggregatorBenchReport run_aggregator_bench(const AggregatorBenchOptions& options) {
  AggregatorBenchReport report{options, {}, {}};
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (int k : options.neighbourhoods) {
    std::vector<std::vector<float>> inputs(static_cast<size_t>(k), std::vector<float>(options.length));
    for (auto& input : inputs) {
      for (float& value : input) value = normal(rng);
    }
    std::vector<LabelledAggregator> candidates;
    for (const Entry& entry : kAggregators) candidates.push_back({entry.label, make_aggregator(entry.name, entry.options)});
    for (auto& gpu : gpu_aggregators(report.no_gpu)) candidates.push_back(std::move(gpu));
    std::vector<std::unique_ptr<Aggregator>> rules;
    std::vector<std::string> labels;
    for (auto& candidate : candidates) {
      try {
        candidate.aggregator->check(static_cast<std::size_t>(k));
      } catch (const ConfigError&) {
        continue;  // too few vectors for it (Krum: k < f + 3)
      }
      rules.push_back(std::move(candidate.aggregator));
      labels.push_back(candidate.label);
    }
    std::vector<std::vector<double>> seconds(rules.size());
    std::vector<float> own(options.length);
    std::vector<Contribution> neighbours;
    const double weight = 1.0 / k;
    for (int j = 1; j < k; ++j) neighbours.push_back({j, weight, inputs[static_cast<size_t>(j)]});
    for (int repetition = -1; repetition < options.repetitions; ++repetition) {  // -1: the warm-up
      for (size_t r = 0; r < rules.size(); ++r) {
        own = inputs[0];
        const auto begin = Clock::now();
        rules[r]->aggregate(own, weight, neighbours);
        const double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
        if (repetition >= 0) seconds[r].push_back(elapsed);
      }
    }
    const double bytes = static_cast<double>(k + 1) * static_cast<double>(options.length) * sizeof(float);
    const double mean_rate = bytes / median_of(seconds[0]);  // the plain k-input sum: memory-bound
    for (size_t r = 0; r < rules.size(); ++r) {
      AggregatorTiming timing{labels[r], k, 0, median_of(seconds[r]), 0, 0, 0};
      timing.min = *std::min_element(seconds[r].begin(), seconds[r].end());
      timing.max = *std::max_element(seconds[r].begin(), seconds[r].end());
      timing.gigabytes_per_second = bytes / timing.median / 1e9;
      timing.of_bandwidth = bytes / timing.median / mean_rate;
      report.timings.push_back(timing);
    }
  }
  return report;
}

std::string format_aggregator_bench(const AggregatorBenchReport& report) {
  char line[256];
  std::string out;
  std::snprintf(line, sizeof line, "d = %zu floats, %d repetitions after one warm-up; ms per aggregate\n",
                report.options.length, report.options.repetitions);
  out += line;
  out += "aggregator                 k      min   median      max  eff. GB/s  of bandwidth\n";
  for (const auto& t : report.timings) {
    std::snprintf(line, sizeof line, "%-24s %3d  %7.3f  %7.3f  %7.3f  %9.2f  %12.2f\n", t.aggregator.c_str(),
                  t.neighbourhood, t.min * 1e3, t.median * 1e3, t.max * 1e3, t.gigabytes_per_second, t.of_bandwidth);
    out += line;
  }
  out += "eff. GB/s: (k + 1) d 4 bytes (read k inputs, write one) over the median; of bandwidth: over the mean's,\n"
         "a plain k-input weighted sum, which memory bounds.\n";
  out += report.no_gpu.empty() ? "(GPU): on GPU 0, each aggregate with its copies of the k vectors in and the result out.\n"
                               : "no GPU rows: " + report.no_gpu + "\n";
  return out;
}

nlohmann::json aggregator_bench_json(const AggregatorBenchReport& report) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& t : report.timings) {
    rows.push_back({{"aggregator", t.aggregator}, {"k", t.neighbourhood}, {"min_seconds", t.min},
                    {"median_seconds", t.median}, {"max_seconds", t.max}, {"gigabytes_per_second", t.gigabytes_per_second},
                    {"of_bandwidth", t.of_bandwidth}});
  }
  nlohmann::json out = {{"length", report.options.length}, {"repetitions", report.options.repetitions}, {"timings", rows}};
  if (!report.no_gpu.empty()) out["no_gpu"] = report.no_gpu;
  return out;
}

}  // namespace gossip::bench
