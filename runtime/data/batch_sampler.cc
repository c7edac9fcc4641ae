#include "runtime/data/batch_sampler.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <sstream>

#include "runtime/data/partition.h"  // shuffle_portably
#include "common/config_error.h"

namespace gossip {
namespace {

constexpr const char* kStateHeader = "gossip-batch-sampler-state";
constexpr int64_t kStateVersion = 1;

uint64_t splitmix64_finalise(uint64_t value) {
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

[[noreturn]] void refuse(const std::string& why) {
  throw ConfigError("BatchSampler::restore_state: " + why);
}

// Quotes at most a few dozen characters of what was found, so garbage stays readable.
std::string quoted(const std::string& text) {
  return "'" + (text.size() > 40 ? text.substr(0, 40) + "..." : text) + "'";
}

void expect_word(std::istream& in, const std::string& word) {
  std::string found;
  in >> found;
  if (found != word) refuse("expected " + quoted(word) + ", found " + (found.empty() ? "the end" : quoted(found)));
}

int64_t read_integer(std::istream& in, const std::string& field, int64_t low, int64_t high) {
  std::string token;
  if (!(in >> token)) refuse(field + ": missing value");
  int64_t value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) refuse(field + ": " + quoted(token) + " is not an integer");
  if (value < low || value > high) {
    const std::string wanted = low == high ? std::to_string(low) : std::to_string(low) + ".." + std::to_string(high);
    refuse(field + " is " + std::to_string(value) + ", expected " + wanted);
  }
  return value;
}

int64_t read_field(std::istream& in, const std::string& field, int64_t low, int64_t high) {
  expect_word(in, field);
  return read_integer(in, field, low, high);
}

// Reads `size` sample indices and checks they are a permutation of `shard`.
std::vector<int> read_order(std::istream& in, size_t size, std::vector<int> shard) {
  expect_word(in, "order");
  std::vector<int> order(size);
  for (int& index : order) index = static_cast<int>(read_integer(in, "order entry", INT_MIN, INT_MAX));
  std::vector<int> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::sort(shard.begin(), shard.end());
  const auto [theirs, ours] = std::mismatch(sorted.begin(), sorted.end(), shard.begin());
  if (theirs != sorted.end()) {
    refuse("order is not a permutation of this shard: it has sample " + std::to_string(*theirs) +
           " where the shard has " + std::to_string(*ours) + " (in sorted order)");
  }
  return order;
}

}  // namespace

BatchSampler::BatchSampler(std::vector<int> indices, uint64_t run_seed, int peer)
    : peer_(peer), order_(std::move(indices)) {
  if (peer < 0) throw ConfigError("BatchSampler: peer is " + std::to_string(peer) + ", expected >= 0");
  if (order_.empty() || order_.size() > INT_MAX) {
    throw ConfigError("BatchSampler: peer " + std::to_string(peer) + " has a shard of " +
                      std::to_string(order_.size()) + " samples, expected 1.." + std::to_string(INT_MAX));
  }
  rng_.seed(splitmix64_finalise(run_seed + 0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(peer) + 1)));
  shuffle_portably(order_, rng_);
}

std::span<const int> BatchSampler::next(int batch) {
  if (batch < 1 || batch > shard_size()) {
    throw ConfigError("BatchSampler: batch of " + std::to_string(batch) + " samples for peer " +
                      std::to_string(peer_) + " whose shard holds " + std::to_string(shard_size()) +
                      ", expected 1.." + std::to_string(shard_size()));
  }
  if (position_ + static_cast<size_t>(batch) > order_.size()) {
    shuffle_portably(order_, rng_);
    position_ = 0;
    ++epoch_;
  }
  std::span<const int> out(order_.data() + position_, static_cast<size_t>(batch));
  position_ += static_cast<size_t>(batch);
  return out;
}

std::string BatchSampler::save_state() const {
  std::ostringstream out;
  out << kStateHeader << ' ' << kStateVersion << '\n'
      << "peer " << peer_ << '\n'
      << "epoch " << epoch_ << '\n'
      << "size " << order_.size() << '\n'
      << "position " << position_ << '\n'
      << "order";
  for (const int index : order_) out << ' ' << index;
  out << '\n' << "rng " << rng_ << '\n';
  return out.str();
}

void BatchSampler::restore_state(const std::string& state) {
  std::istringstream in(state);
  expect_word(in, kStateHeader);
  read_integer(in, "version", kStateVersion, kStateVersion);
  read_field(in, "peer", peer_, peer_);
  const int64_t epoch = read_field(in, "epoch", 0, INT64_MAX);
  const auto size = static_cast<int64_t>(order_.size());
  read_field(in, "size", size, size);
  const int64_t position = read_field(in, "position", 0, size);
  std::vector<int> order = read_order(in, order_.size(), order_);
  expect_word(in, "rng");
  std::mt19937_64 rng;
  if (!(in >> rng)) refuse("rng: not a std::mt19937_64 state");
  if (!(in >> std::ws).eof()) {
    std::string rest;
    std::getline(in, rest);
    refuse("trailing text " + quoted(rest));
  }
  order_ = std::move(order);
  rng_ = rng;
  position_ = static_cast<size_t>(position);
  epoch_ = epoch;
}

}  // namespace gossip
