#include "runtime/data/partition.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

#include "common/config_error.h"

namespace gossip {
namespace {

// Enough for any split that is merely unlucky; a split that fails this often is one the
// arguments make nearly impossible, and the error says which arguments to change.
constexpr int kDirichletAttempts = 1000;

void check_split_arguments(const char* what, int samples, int peers) {
  if (peers < 1) throw ConfigError(std::string(what) + ": peers is " + std::to_string(peers) + ", expected >= 1");
  if (samples < peers) {
    throw ConfigError(std::string(what) + ": " + std::to_string(samples) + " samples cannot give each of " +
                      std::to_string(peers) + " peers at least one");
  }
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

// In (0, 1]: 53 random bits, shifted up by one step so log() never sees zero.
double uniform_open_closed(std::mt19937_64& rng) {
  return static_cast<double>((rng() >> 11) + 1) * 0x1.0p-53;
}

// Standard normal by Marsaglia's polar method (only log and sqrt, both well behaved).
double standard_normal(std::mt19937_64& rng) {
  for (;;) {
    const double u = 2.0 * uniform_open_closed(rng) - 1.0;
    const double v = 2.0 * uniform_open_closed(rng) - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

// log of a Gamma(shape, 1) draw, by Marsaglia and Tsang (2000). For shape < 1 it uses
// Gamma(shape) = Gamma(shape + 1) * U^(1/shape); kept in logs because with small alpha
// U^(1/shape) underflows a double, and the Dirichlet shares only need ratios.
double log_gamma_draw(std::mt19937_64& rng, double shape) {
  const double boosted = shape < 1.0 ? shape + 1.0 : shape;
  const double d = boosted - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const double x = standard_normal(rng);
    const double t = 1.0 + c * x;
    if (t <= 0.0) continue;
    const double v = t * t * t;
    const double u = uniform_open_closed(rng);
    if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) {
      const double log_draw = std::log(d * v);
      return shape < 1.0 ? log_draw + std::log(uniform_open_closed(rng)) / shape : log_draw;
    }
  }
}

// Dirichlet(alpha) shares over the peers, zero for peers not `eligible`, summing to one.
// At least one peer is eligible: the parts hold fewer than all samples, so some part is
// below the fair share.
std::vector<double> dirichlet_shares(std::mt19937_64& rng, double alpha, const std::vector<bool>& eligible) {
  std::vector<double> logs(eligible.size());
  for (double& value : logs) value = log_gamma_draw(rng, alpha);
  double largest = -INFINITY;
  for (size_t i = 0; i < logs.size(); ++i) {
    if (eligible[i]) largest = std::max(largest, logs[i]);
  }
  std::vector<double> shares(logs.size(), 0.0);
  double total = 0.0;
  for (size_t i = 0; i < logs.size(); ++i) {
    if (eligible[i]) total += shares[i] = std::exp(logs[i] - largest);  // the largest is 1, so total >= 1
  }
  for (double& share : shares) share /= total;
  return shares;
}

std::vector<std::vector<int>> indices_by_class(std::span<const uint8_t> labels, int classes) {
  std::vector<std::vector<int>> by_class(classes);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= classes) {
      throw ConfigError("partition_dirichlet: label " + std::to_string(labels[i]) + " of sample " +
                        std::to_string(i) + " is outside 0.." + std::to_string(classes - 1));
    }
    by_class[labels[i]].push_back(static_cast<int>(i));
  }
  return by_class;
}

// One draw of the whole split; `by_class` is reshuffled in place.
std::vector<std::vector<int>> draw_dirichlet_split(std::vector<std::vector<int>>& by_class, int samples, int peers,
                                                   double alpha, std::mt19937_64& rng) {
  std::vector<std::vector<int>> parts(peers);
  std::vector<bool> eligible(peers);
  for (std::vector<int>& members : by_class) {
    shuffle_portably(members, rng);
    for (int p = 0; p < peers; ++p) eligible[p] = static_cast<int64_t>(parts[p].size()) * peers < samples;
    const std::vector<double> shares = dirichlet_shares(rng, alpha, eligible);
    const size_t size = members.size();
    size_t begin = 0;
    double cumulative = 0.0;
    for (int p = 0; p < peers; ++p) {
      cumulative += shares[p];
      size_t end = p + 1 == peers ? size : std::min(size, static_cast<size_t>(cumulative * static_cast<double>(size)));
      end = std::max(end, begin);
      parts[p].insert(parts[p].end(), members.begin() + begin, members.begin() + end);
      begin = end;
    }
  }
  return parts;
}

size_t smallest_part(const std::vector<std::vector<int>>& parts) {
  size_t smallest = parts.front().size();
  for (const auto& part : parts) smallest = std::min(smallest, part.size());
  return smallest;
}

}  // namespace

uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  // Values below `threshold` (2^64 mod bound) would make the low remainders more likely.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    const uint64_t value = rng();
    if (value >= threshold) return value % bound;
  }
}

void shuffle_portably(std::span<int> values, std::mt19937_64& rng) {
  for (size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[uniform_below(rng, i)]);
}

std::vector<std::vector<int>> partition_iid(int samples, int peers, uint64_t seed) {
  check_split_arguments("partition_iid", samples, peers);
  std::vector<int> order(samples);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  shuffle_portably(order, rng);
  std::vector<std::vector<int>> parts(peers);
  auto next = order.begin();
  for (int p = 0; p < peers; ++p) {
    const int size = samples / peers + (p < samples % peers ? 1 : 0);
    parts[p].assign(next, next + size);
    std::sort(parts[p].begin(), parts[p].end());
    next += size;
  }
  return parts;
}

std::vector<std::vector<int>> partition_dirichlet(std::span<const uint8_t> labels, int classes, int peers,
                                                  double alpha, uint64_t seed, int min_per_peer) {
  if (labels.size() > INT_MAX) {
    throw ConfigError("partition_dirichlet: " + std::to_string(labels.size()) + " samples, at most " +
                      std::to_string(INT_MAX) + " are supported");
  }
  const int samples = static_cast<int>(labels.size());
  check_split_arguments("partition_dirichlet", samples, peers);
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw ConfigError("partition_dirichlet: alpha is " + format_number(alpha) + ", expected a finite value > 0");
  }
  if (classes < 1 || classes > 256) {
    throw ConfigError("partition_dirichlet: classes is " + std::to_string(classes) + ", expected 1..256");
  }
  if (min_per_peer < 0 || static_cast<int64_t>(min_per_peer) * peers > samples) {
    throw ConfigError("partition_dirichlet: min_per_peer " + std::to_string(min_per_peer) + " for each of " +
                      std::to_string(peers) + " peers is impossible with " + std::to_string(samples) + " samples");
  }
  std::vector<std::vector<int>> by_class = indices_by_class(labels, classes);
  std::mt19937_64 rng(seed);
  size_t best_smallest = 0;
  for (int attempt = 0; attempt < kDirichletAttempts; ++attempt) {
    std::vector<std::vector<int>> parts = draw_dirichlet_split(by_class, samples, peers, alpha, rng);
    const size_t smallest = smallest_part(parts);
    if (smallest >= static_cast<size_t>(min_per_peer)) {
      for (auto& part : parts) std::sort(part.begin(), part.end());
      return parts;
    }
    best_smallest = std::max(best_smallest, smallest);
  }
  throw ConfigError("partition_dirichlet: no split in " + std::to_string(kDirichletAttempts) +
                    " draws gave every peer at least min_per_peer=" + std::to_string(min_per_peer) +
                    " samples (alpha=" + format_number(alpha) + ", peers=" + std::to_string(peers) +
                    ", samples=" + std::to_string(samples) + "; the best draw's smallest peer had " +
                    std::to_string(best_smallest) + "); raise alpha, lower min_per_peer or use fewer peers");
}

std::vector<std::vector<int>> partition_sorted(std::span<const uint8_t> labels, int peers) {
  const int samples = static_cast<int>(labels.size());
  check_split_arguments("partition_sorted", samples, peers);
  std::vector<int> order(static_cast<size_t>(samples));
  for (int i = 0; i < samples; ++i) order[static_cast<size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return labels[a] < labels[b]; });
  std::vector<std::vector<int>> parts(static_cast<size_t>(peers));
  for (int peer = 0, begin = 0; peer < peers; ++peer) {
    const int size = samples / peers + (peer < samples % peers ? 1 : 0);
    parts[static_cast<size_t>(peer)].assign(order.begin() + begin, order.begin() + begin + size);
    std::sort(parts[static_cast<size_t>(peer)].begin(), parts[static_cast<size_t>(peer)].end());
    begin += size;
  }
  return parts;
}

std::vector<int> label_histogram(const std::vector<int>& indices, std::span<const uint8_t> labels, int classes) {
  std::vector<int> counts(std::max(classes, 0), 0);
  for (const int index : indices) {
    if (index < 0 || static_cast<size_t>(index) >= labels.size()) {
      throw ConfigError("label_histogram: sample index " + std::to_string(index) + " is outside 0.." +
                        std::to_string(static_cast<int64_t>(labels.size()) - 1));
    }
    if (labels[index] >= classes) {
      throw ConfigError("label_histogram: label " + std::to_string(labels[index]) + " of sample " +
                        std::to_string(index) + " is outside 0.." + std::to_string(classes - 1));
    }
    ++counts[labels[index]];
  }
  return counts;
}

}  // namespace gossip
