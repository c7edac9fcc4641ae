// A peer's stream of minibatches over its own shard of the training set: each epoch
// visits every sample of the shard once, in a fresh random order.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace gossip {

class BatchSampler {
 public:
  // `indices`: this peer's samples (its part of partition_iid / partition_dirichlet), at
  // least one. The engine is seeded with SplitMix64's finaliser of
  // run_seed + 0x9e3779b97f4a7c15 * (peer + 1), so peers (and adjacent run seeds) get
  // unrelated streams, none equal to the partition's engine, which takes the bare seed.
  // The first epoch's order is drawn here. Throws ConfigError for an empty shard or
  // peer < 0.
  BatchSampler(std::vector<int> indices, uint64_t run_seed, int peer);

  // The next `batch` sample indices. A batch never spans two epochs: when fewer than
  // `batch` samples are left in this epoch, they are skipped, the order is reshuffled and
  // the next epoch begins. The span stays valid until the next call to next() or
  // restore_state(). Throws ConfigError unless 1 <= batch <= shard_size().
  std::span<const int> next(int batch);

  // The epoch of the last batch handed out, counting from 0.
  int64_t epoch() const { return epoch_; }
  int shard_size() const { return static_cast<int>(order_.size()); }

  // The whole state as text, for checkpoints: the peer, epoch, position, this epoch's
  // order and the engine (through its standard operator<<). After restore_state() of a
  // saved state, next() returns the same batches, bit for bit, as the saved sampler would.
  std::string save_state() const;
  // Throws ConfigError, leaving the sampler unchanged, for anything but a state saved by a
  // sampler of the same peer over the same shard: bad header, missing or malformed field,
  // position past the shard, an order that is not a permutation of the shard, a bad
  // engine state, or trailing text.
  void restore_state(const std::string& state);

 private:
  int peer_;
  std::vector<int> order_;  // this epoch's permutation of the shard
  std::mt19937_64 rng_;
  size_t position_ = 0;  // batches so far this epoch end here
  int64_t epoch_ = 0;
};

}  // namespace gossip
